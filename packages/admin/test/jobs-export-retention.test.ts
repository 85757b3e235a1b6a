// Stored exports last as long as their job's history (`jobs.retentionDays`), not the channel
// layer's hour: the site's history pruner removes an export's chunks once its job's row is
// pruned, with the history's injected clock; the job's page says when its file was deleted.
// Both engines.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { MemoryChannelLayer } from "@weft/server/pubsub";
import { AdminSite } from "../src/index.js";
import { chunksOf, putExport } from "./support/export-chunks.js";
import { waitFor } from "../../server/test/support/wait.js";
import { ENGINES, openShop, type Shop } from "./support/engines.js";
import { loginOnce, startAdmin } from "./support.js";
import { exportRecord } from "./support/job-record.js";

const DAY = 86_400_000;
const PASSWORD = "pass-word-123";

describe.each(ENGINES)("export files and the job history's retention on %s", (engine) => {
  let shop: Shop;
  let site: AdminSite;
  let app: FastifyInstance;
  let base = "";
  let owner = "";
  const t0 = Date.now();
  let clock = t0;
  const layer = new MemoryChannelLayer();
  const login = loginOnce(() => base, { password: PASSWORD });

  /** Stores an export for job `id`, as stored at `createdAt` (ms epoch, the history's clock). */
  const file = async (id: string, createdAt = clock) => {
    await putExport(site.db, id, "id\r\n1\r\n", createdAt);
    return id;
  };
  const stored = async (id: string) => (await chunksOf(site.db, id)) > 0;

  beforeAll(async () => {
    shop = await openShop(engine);
    // the history's clock is the test's; its pruner runs every 50 ms (a round is waited for by its effect)
    site = new AdminSite({ db: shop.db, readPool: false, jobs: { retentionDays: 30, now: () => clock, historyPruneEveryMs: 50 } });
    ({ app, base } = await startAdmin(site, { pubsub: layer }));
    owner = String((await site.users.createUser({ username: "ann", password: PASSWORD, isStaff: true })).id);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await layer.close();
    await shop?.close();
  });

  it("keeps an export while its job's history row lasts (days after the channel layer's hour), removes its chunks once the row is pruned", async () => {
    // the history's clock held at the oldest job's end while the files are stored: the pruner (every
    // 50 ms) finds nothing to prune until the check below has seen the chunks
    clock = t0 - 40 * DAY;
    // finished 10 days ago: long past the channel layer's retention, within the history's 30 days
    const kept = exportRecord("kept", owner, t0 - 10 * DAY);
    // finished 40 days ago: its row goes at the next prune, and its file with it
    const old = exportRecord("old", owner, t0 - 40 * DAY);
    for (const j of [kept, old]) await site.jobHistory.write(j, `${j.id}.csv`);
    const keptFile = await file(kept.id, t0 - 10 * DAY);
    const oldFile = await file(old.id, t0 - 40 * DAY);
    // an export whose job has no history row yet, stored just now: kept (its row may still be on its way)
    const young = exportRecord("young", owner, t0);
    const youngFile = await file(young.id, t0);
    expect(await chunksOf(site.db, oldFile)).toBe(2);
    clock = t0;

    await waitFor(async () => !(await stored(oldFile)), "the pruned job's chunks removed");
    expect(await site.jobHistory.get(old.id)).toBeUndefined();
    // the same sweep went over the others and kept them
    expect(await stored(keptFile)).toBe(true);
    expect(await stored(youngFile)).toBe(true);
    const ann = await login("ann");
    expect((await ann.html(`/admin/jobs/${kept.id}/`)).html).toContain(`id="job-download" href="/admin/jobs/${kept.id}/download"`);
    expect((await ann.fetch(`/admin/jobs/${kept.id}/download`)).status).toBe(200);

    // 25 days later (by the history's clock) the kept job is 35 days old: row and file go; the
    // young file's job never got a row and it is now older than the channel layer's retention
    clock = t0 + 25 * DAY;
    await waitFor(async () => !(await stored(keptFile)) && !(await stored(youngFile)), "the chunks of jobs without a history row removed");
    expect(await site.jobHistory.get(kept.id)).toBeUndefined();
    expect((await ann.fetch(`/admin/jobs/${kept.id}/download`)).status).toBe(404);
  });

  it("says on the page that an export's file has been deleted when its job is still listed but the file is gone", async () => {
    const gone = exportRecord("gone", owner, clock - DAY);
    await site.jobHistory.write(gone, `${gone.id}.csv`);
    const { html } = await (await login("ann")).html(`/admin/jobs/${gone.id}/`);
    expect(html).toContain('id="job-download-gone"');
    expect(html).toContain("This export file has been deleted.");
    expect(html).not.toContain('id="job-download"');
  });
});
