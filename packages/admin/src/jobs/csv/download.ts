/**
 * `GET <prefix>/jobs/<id>/download`: the file of a finished CSV export, streamed from the site's
 * database chunk by chunk (`stored.ts`), so any process of the site serves it. Only the job's
 * owner or a superuser get it; anyone else, a missing job, or a job whose file is gone (expired
 * with the job's history, `jobs.retentionDays`) gets 404, as for a random id.
 */
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { canAccessJob, isJobId } from "@weft/server/jobs";
import type { AdminSession } from "../../auth/index.js";
import type { AdminSiteLike } from "../../model/site-like.js";
import { staffUser } from "../../shell/base.js";
import { exportSize, readExport } from "./stored.js";

/** Registers the download route in the admin's staff-guarded scope. */
export function downloadRoute(scope: FastifyInstance, site: AdminSiteLike): void {
  scope.get(`${site.prefix}/jobs/:id/download`, async (req, reply) => {
    const notFound = () => reply.code(404).type("text/plain; charset=utf-8").header("cache-control", "no-store").send("Not found.");
    const session = (await site.sessions.load(req)) as AdminSession | null;
    const user = session && staffUser(session);
    const id = String((req.params as { id?: string }).id ?? "");
    if (!user || !isJobId(id)) return notFound();
    // a job whose live record expired is still in the job history (the file may outlive it)
    const rec = (await site.jobs.read(id)) ?? (await site.jobHistory.get(id))?.record;
    if (!rec || rec.status !== "done" || !canAccessJob(rec, { id: String(user.id), isSuperuser: user.isSuperuser })) return notFound();
    const size = await exportSize(site, id);
    if (!size) return notFound();
    const model = rec.action.split(".").slice(0, 2).join("-").replace(/[^A-Za-z0-9_-]/g, "_");
    const stamp = new Date(rec.finishedAt ?? rec.createdAt).toISOString().slice(0, 19).replace(/[:T]/g, "-");
    return reply
      .type("text/csv; charset=utf-8")
      .header("content-length", size.bytes)
      .header("content-disposition", `attachment; filename="${model}-${stamp}.csv"`)
      .header("cache-control", "private, no-store")
      .header("x-content-type-options", "nosniff")
      .send(Readable.from(readExport(site, id, size.chunks), { objectMode: false }));
  });
}
