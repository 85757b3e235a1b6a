/**
 * A retried CSV export replaces what its failed attempt stored: on a SQLite file and a PostgreSQL
 * database, an export action with a retry ("all N matching", the in-process queue) whose first
 * attempt stored every chunk but chunk 0 (written last) and could not delete them (the database
 * refused both, as a connection lost mid-store would) ends done on attempt 2 with exactly the
 * second attempt's file, byte for byte, downloaded from the job page: no stale chunk of the first
 * attempt's longer file is left beside it. The retry reads the same "all N matching" keys as the
 * first attempt (their snapshot is kept for it).
 */
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSite, withProgress } from "../src/index.js";
import { BOM, csvRecord, exportRows, exportSize, exportStored } from "../src/jobs/csv/index.js";
import { EXPORT_CHUNK_BYTES } from "../src/jobs/csv/stored.js";
import { qb } from "../src/query/dialect/index.js";
import { waitFor } from "../../server/test/support/wait.js";
import { ENGINES, type Engine } from "./support/engines.js";
import { openDemoShop, type DemoShop } from "./support/demo-shop.js";
import { loginOnce, startAdmin } from "./support.js";

const PASSWORD = "pass-word-123";
const N = 60;

/** Triggers that make the database refuse chunk 0 and every delete of a chunk, and their removal. */
const FAULT = {
  sqlite: {
    arm: `create trigger fail_chunk0 before insert on weft_export_chunks when new.seq = 0 begin select raise(abort, 'injected: chunk 0 refused'); end;
          create trigger fail_delete before delete on weft_export_chunks begin select raise(abort, 'injected: delete refused'); end;`,
    disarm: "drop trigger fail_chunk0; drop trigger fail_delete;",
  },
  postgres: {
    arm: `create function fail_chunk() returns trigger language plpgsql as $$ begin raise exception 'injected: % refused', tg_op; end $$;
          create trigger fail_chunk0 before insert on weft_export_chunks for each row when (new.seq = 0) execute function fail_chunk();
          create trigger fail_delete before delete on weft_export_chunks for each row execute function fail_chunk();`,
    disarm: "drop trigger fail_chunk0 on weft_export_chunks; drop trigger fail_delete on weft_export_chunks; drop function fail_chunk();",
  },
} satisfies Record<Engine, { arm: string; disarm: string }>;

describe.each(ENGINES)("a retried CSV export on %s", (engine) => {
  let shop: DemoShop;
  let site: AdminSite;
  let base = "";
  const closers: Array<() => Promise<unknown>> = [];
  const login = loginOnce(() => base, { password: PASSWORD });
  /** what each attempt saw when it started: its number, and the chunks (seq order) and whether the file counted as stored */
  const attempts: Array<{ attempt: number; seqs: number[]; stored: boolean }> = [];

  /** The job's chunks, in seq order. */
  async function seqsOf(id: string): Promise<number[]> {
    const rows = await shop.rows<{ seq: number }>(`select seq from weft_export_chunks where job_id = '${id}' order by seq`);
    return rows.map((r) => Number(r.seq));
  }

  /** Each order's note: `repeat` times three characters of 2, 3 and 1 bytes, cut across chunk boundaries. */
  async function setNotes(repeat: number): Promise<void> {
    for (let id = 1; id <= N; id++) await qb(shop.db).update(shop.orders).set({ note: `n${id} ${"é€x".repeat(repeat + id)}` }).where(eq(shop.orders.id, id));
  }

  beforeAll(async () => {
    shop = await openDemoShop(engine, { customers: 10, products: 5, orders: N, tickets: 1, ordersToday: 1, now: new Date(Date.UTC(2026, 10, 1, 12)) }, "admin_csv_retry");
    closers.push(() => shop.close());
    // the first attempt's file: 60 × ~18 KB, 5 chunks; the second one 60 × ~5 KB, 2 chunks
    await setNotes(3_000);
    site = await AdminSite.create({ db: shop.db, title: "retried exports", jobs: { leaseMs: 3_600_000 } });
    const exportWithRetry = withProgress(
      { name: "export_retry", label: "Export (retried)", permissions: ["shop.view_order"], changesData: false, retries: 1, retryDelayMs: 0 },
      async (ctx, selection, progress) => {
        attempts.push({ attempt: progress.attempt, seqs: await seqsOf(ctx.jobId), stored: await exportStored(ctx.site, ctx.jobId) });
        if (progress.attempt === 1) await shop.exec(FAULT[engine].arm);
        else {
          await shop.exec(FAULT[engine].disarm);
          // the rows changed between the attempts: the second file is shorter (fewer chunks)
          await setNotes(800);
        }
        await exportRows(ctx.site, ctx.admin, { keys: await selection.ids() }, ctx.jobId, progress);
      },
    );
    site.register(shop.orders, { app: "shop", listDisplay: ["number", "status", "note"], ordering: ["id"], actions: [exportWithRetry], exportCsv: false });
    const started = await startAdmin(site);
    base = started.base;
    closers.unshift(() => started.app.close());
    const u = await site.users.createUser({ username: "viewer", password: PASSWORD, isStaff: true });
    await site.users.grant(u, "shop.view_order");
  }, 120_000);

  afterAll(async () => {
    for (const close of closers) await close();
  });

  it("the retry leaves exactly its own file, byte for byte, and none of the first attempt's chunks", async () => {
    const jar = await login("viewer");
    const html = await (await jar.fetch(`${base}/admin/`)).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const body = new URLSearchParams({ _csrf: csrf, action: "export_retry", select_across: "1" });
    const res = await jar.fetch(`${base}/admin/shop/order/action/`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status, await res.clone().text()).toBe(303);
    const id = /\/admin\/jobs\/([^/]+)\//.exec(res.headers.get("location") ?? "")![1]!;
    const rec = await waitFor(async () => ((r) => (r && ["done", "failed", "cancelled", "lost"].includes(r.status) ? r : undefined))(await site.jobs.read(id)), "export finished", 60_000);
    expect(rec, JSON.stringify({ error: rec.error, log: rec.log, attempts })).toMatchObject({ status: "done", attempt: 2 });

    // attempt 1 found nothing; attempt 2 found attempt 1's partial file: chunks 1 … n-1, no chunk 0, not offered
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
    expect(attempts[0]).toEqual({ attempt: 1, seqs: [], stored: false });
    const left = attempts[1]!.seqs;
    expect(attempts[1]!.stored).toBe(false);
    expect(left.length).toBeGreaterThanOrEqual(4);
    expect(left).toEqual(Array.from({ length: left.length }, (_, i) => i + 1));

    const rows = await qb(shop.db).select().from(shop.orders).orderBy(asc(shop.orders.id));
    const expected = Buffer.from(BOM + csvRecord(["Number", "Status", "Note"]) + rows.map((r) => csvRecord([r.number, r.status, r.note])).join(""));
    const chunks = Math.ceil(expected.length / EXPORT_CHUNK_BYTES);
    // the second file is shorter than what the first attempt left: a stale chunk would show
    expect(chunks).toBeGreaterThan(1);
    expect(chunks).toBeLessThan(left.length + 1);
    expect(await seqsOf(id)).toEqual(Array.from({ length: chunks }, (_, i) => i));
    expect(await exportSize(site, id)).toEqual({ bytes: expected.length, chunks });

    const dl = await jar.fetch(`${base}/admin/jobs/${id}/download`);
    expect(dl.status).toBe(200);
    expect(dl.headers.get("content-length")).toBe(String(expected.length));
    expect(Buffer.from(await dl.arrayBuffer()).equals(expected)).toBe(true);
  }, 120_000);
});
