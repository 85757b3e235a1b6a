/**
 * A CSV export's file lives in the site's database (`weft_export_chunks`), not on the disk of the
 * process that ran the job: on a SQLite file and a PostgreSQL database, an export run by one site
 * instance downloads byte for byte (several chunks, multi-byte text split across chunk
 * boundaries) from a second instance on the same database with its own connection that never ran
 * the job — two machines sharing only the database and the channel layer; no local file is left;
 * 404 for another staff user, a missing job and a pruned one, whose chunks the sweep removes.
 */
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { AdminSite } from "../src/index.js";
import { BOM, csvRecord, exportRows, exportSize, exportStored, sweepExports } from "../src/jobs/csv/index.js";
import { EXPORT_CHUNK_BYTES } from "../src/jobs/csv/stored.js";
import { qb, type AdminDatabase } from "../src/query/dialect/index.js";
import { adminTablesFor } from "../src/auth/tables.js";
import { waitFor } from "../../server/test/support/wait.js";
import { ENGINES } from "./support/engines.js";
import { openDemoShop, type DemoShop } from "./support/demo-shop.js";
import { chunksOf, putExport } from "./support/export-chunks.js";
import { exportRecord } from "./support/job-record.js";
import { loginOnce, startAdmin } from "./support.js";

const PASSWORD = "pass-word-123";
const DAY = 86_400_000;

describe.each(ENGINES)("stored CSV exports on %s", (engine) => {
  let shop: DemoShop;
  let orders: DemoShop["orders"];
  const layer = new MemoryChannelLayer();
  const closers: Array<() => Promise<unknown>> = [];
  let siteA: AdminSite;
  let siteB: AdminSite;
  let baseA = "";
  let baseB = "";
  const loginA = loginOnce(() => baseA, { password: PASSWORD });
  const loginB = loginOnce(() => baseB, { password: PASSWORD });
  /** the first test's export, still listed in the history */
  let listed = "";

  /** A site instance ("a machine") on `db`, its app listening. */
  async function machine(db: AdminDatabase): Promise<{ site: AdminSite; base: string }> {
    const site = await AdminSite.create({ db, title: "stored exports", jobs: { leaseMs: 3_600_000 } });
    site.register(orders, { app: "shop", listDisplay: ["number", "status", "note"], ordering: ["id"] });
    const { app, base } = await startAdmin(site, { pubsub: layer });
    closers.unshift(() => app.close());
    return { site, base };
  }

  beforeAll(async () => {
    shop = await openDemoShop(engine, { customers: 10, products: 5, orders: 90, tickets: 1, ordersToday: 1, now: new Date(Date.UTC(2026, 10, 1, 12)) }, "admin_csv_stored");
    closers.push(() => shop.close());
    ({ orders } = shop);
    // ~4 KB of text per order, multi-byte characters included: the file spans two chunks, and
    // its bytes are cut between the bytes of one character
    for (let id = 1; id <= 90; id++) await qb(shop.db).update(orders).set({ note: `n${id} ${"é€x".repeat(700 + id)}` }).where(eq(orders.id, id));
    ({ site: siteA, base: baseA } = await machine(shop.db));
    const other = await shop.connect();
    closers.unshift(() => other.close());
    ({ site: siteB, base: baseB } = await machine(other.db));
    for (const [username, su] of [["viewer", false], ["other", false], ["admin", true]] as const) {
      const u = await siteA.users.createUser({ username, password: PASSWORD, isStaff: true, isSuperuser: su });
      await siteA.users.grant(u, "shop.view_order");
    }
  }, 120_000);

  afterAll(async () => {
    for (const close of closers) await close();
    await layer.close();
  });

  /** Runs the built-in export of every order as `username` on machine A; its job id. */
  async function exportOnA(username: string): Promise<string> {
    const jar = await loginA(username);
    const html = await (await jar.fetch(`${baseA}/admin/`)).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    const body = new URLSearchParams({ _csrf: csrf, action: "export_csv", select_across: "1" });
    const res = await jar.fetch(`${baseA}/admin/shop/order/action/`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status, await res.clone().text()).toBe(303);
    const id = /\/admin\/jobs\/([^/]+)\//.exec(res.headers.get("location") ?? "")![1]!;
    await waitFor(async () => (await siteA.jobs.read(id))?.status === "done", "export done", 30_000);
    return id;
  }

  it("downloads from another instance that never ran the job, byte for byte what the rows say; no local file is left", async () => {
    const id = (listed = await exportOnA("viewer"));
    const rows = await qb(shop.db).select().from(orders).orderBy(asc(orders.id));
    const expected = Buffer.from(BOM + csvRecord(["Number", "Status", "Note"]) + rows.map((r) => csvRecord([r.number, r.status, r.note])).join(""));
    expect(expected.length).toBeGreaterThan(EXPORT_CHUNK_BYTES);
    expect(await chunksOf(siteB.db, id)).toBe(Math.ceil(expected.length / EXPORT_CHUNK_BYTES));
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`weft-export-${id}`))).toEqual([]);

    const jar = await loginB("viewer");
    expect(await (await jar.fetch(`${baseB}/admin/jobs/${id}/`)).text()).toContain(`id="job-download" href="/admin/jobs/${id}/download"`);
    const res = await jar.fetch(`${baseB}/admin/jobs/${id}/download`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-length")).toBe(String(expected.length));
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(Buffer.from(await res.arrayBuffer()).equals(expected)).toBe(true);
    // a superuser too; another staff user with the view permission gets the 404 of a random id
    expect((await (await loginB("admin")).fetch(`${baseB}/admin/jobs/${id}/download`)).status).toBe(200);
    expect((await (await loginB("other")).fetch(`${baseB}/admin/jobs/${id}/download`)).status).toBe(404);
    expect((await jar.fetch(`${baseB}/admin/jobs/AAAAAAAAAAAAAAAAAAAAAAAA/download`)).status).toBe(404);
  });

  it("a pruned job's download is a 404 and the sweep of either instance removes its chunks, keeping young and listed ones", async () => {
    expect(listed).not.toBe("");
    const viewer = String((await siteA.users.getUserByUsername("viewer"))!.id);
    const now = Date.now();
    const id = await exportOnA("viewer");
    // an export stored just now whose job's history row is not written yet
    const young = exportRecord("young", viewer, now).id;
    await qb(siteA.db).insert(adminTablesFor(siteA.db).weftExportChunks).values({ jobId: young, seq: 0, createdAt: new Date(now), data: Buffer.from("x") });
    // the job finished 40 days ago as the history sees it: the prune drops its row
    const rec = (await siteA.jobs.read(id))!;
    await siteB.jobHistory.write({ ...rec, rev: rec.rev + 1, finishedAt: now - 40 * DAY }, `${id}.csv`);
    expect(await siteB.jobHistory.prune(now)).toBe(1);
    // by this clock its chunks are younger than the job store's retention: kept, as the young ones
    expect(await sweepExports(siteB, now)).toBe(0);
    expect(await chunksOf(siteB.db, id)).toBeGreaterThan(0);
    // a day later both go; the listed export stays
    expect(await sweepExports(siteB, now + DAY)).toBe(2);
    expect(await chunksOf(siteB.db, id)).toBe(0);
    expect(await chunksOf(siteB.db, young)).toBe(0);
    expect(await chunksOf(siteB.db, listed)).toBeGreaterThan(0);
    // the channel layer still holds the done record here: the chunks, not the record, decide
    const jar = await loginB("viewer");
    expect((await jar.fetch(`${baseB}/admin/jobs/${id}/download`)).status).toBe(404);
    expect(await (await jar.fetch(`${baseB}/admin/jobs/${id}/`)).text()).toContain('id="job-download-gone"');
    expect((await jar.fetch(`${baseB}/admin/jobs/${listed}/download`)).status).toBe(200);
  });

  it("a job cancelled while its file is being stored keeps none, and leaves no local file", async () => {
    const id = exportRecord("cancelled", "1", Date.now()).id;
    // read at the top of the one batch's loop, after the file is written, after it is stored
    let reads = 0;
    const progress = { update: () => {}, get cancelled() { return ++reads >= 3; } };
    expect(await exportRows(siteA, siteA.get("shop", "order")!, { where: undefined }, id, progress, { batchSize: 1_000 })).toBe(90);
    expect(reads).toBe(3);
    expect(await chunksOf(siteA.db, id)).toBe(0);
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`weft-export-${id}`))).toEqual([]);
  });

  it("a file whose chunk 0 (written last) is missing is not offered: still being written, or cut short", async () => {
    const viewer = String((await siteA.users.getUserByUsername("viewer"))!.id);
    const rec = exportRecord("partial", viewer, Date.now());
    await siteA.jobHistory.write(rec, `${rec.id}.csv`);
    await putExport(siteA.db, rec.id, "id\r\n1\r\n2\r\n");
    expect(await exportSize(siteB, rec.id)).toEqual({ bytes: 10, chunks: 3 });
    const t = adminTablesFor(siteA.db).weftExportChunks;
    await qb(siteA.db).delete(t).where(and(eq(t.jobId, rec.id), eq(t.seq, 0)));
    expect(await exportStored(siteB, rec.id)).toBe(false);
    expect(await exportSize(siteB, rec.id)).toBeUndefined();
    const jar = await loginB("viewer");
    expect((await jar.fetch(`${baseB}/admin/jobs/${rec.id}/download`)).status).toBe(404);
    expect(await (await jar.fetch(`${baseB}/admin/jobs/${rec.id}/`)).text()).not.toContain('id="job-download"');
  });
});
