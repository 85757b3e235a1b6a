/**
 * The change list's built-in delete of a large selection ("all N matching", or more picked rows
 * than one batch) as a progress job: batches of {@link DELETE_BATCH} rows, each its own short
 * transaction with its audit entries, cancellable between batches — never one long
 * transaction inside the LiveView handler (the "bulk deletes … run as a progress job").
 */
import type { AdminAction } from "../model/actions.js";
import type { ModelAdmin } from "../model/model-admin.js";
import { publishModelEvent } from "../model/publish.js";
import { DELETE_SELECTED, deleteRows, isForeignKeyError } from "../changelist/actions.js";
import { counted } from "../changelist/present.js";
import { withProgress } from "./with-progress.js";

/** Rows per transaction of a bulk delete; selections up to this size are deleted inline. */
export const DELETE_BATCH = 1000;

const built = new WeakMap<ModelAdmin<any, any>, AdminAction>();

/**
 * The built-in "Delete selected <models>" as a {@link withProgress} action: it needs the model's
 * delete permission (checked on the server when it starts), pins the selection, and deletes the
 * rows still matching it `batch` at a time in key order, each batch one `IMMEDIATE`
 * transaction writing a "delete" audit entry per row (as Django's `delete_selected`), then
 * publishes `<model>.deleted` for each row and yields to the event loop. Cancelling stops it
 * between batches (what was deleted stays deleted, with its audit entries). A row other rows
 * still refer to fails the job with the batch untouched.
 *
 * @param batch - rows per transaction (default {@link DELETE_BATCH})
 */
export function bulkDeleteAction(admin: ModelAdmin<any, any>, batch = DELETE_BATCH): AdminAction {
  const cached = batch === DELETE_BATCH ? built.get(admin) : undefined;
  if (cached) return cached;
  const plural = admin.verboseNamePlural.toLowerCase();
  const action = withProgress(
    { name: DELETE_SELECTED, label: `Delete selected ${plural}`, permissions: [admin.perm("delete")], cancellable: true, description: ({ count }) => `Delete ${counted(count, admin)}` },
    async (ctx, selection, progress) => {
      let done = 0;
      while (!progress.cancelled) {
        let ids: unknown[];
        try {
          ids = await deleteRows(ctx.site, ctx.admin, selection.where, ctx.user.id, batch);
        } catch (err) {
          if (isForeignKeyError(err)) progress.log(`Stopped: other records refer to some of these ${plural}. ${counted(done, admin)} were deleted before.`);
          throw err;
        }
        if (ids.length === 0) break;
        done += ids.length;
        progress.update({ current: done, message: `Deleted ${counted(done, admin)}` });
        for (const id of ids) void publishModelEvent(ctx.pubsub, admin, "deleted", id, (err) => ctx.log.error({ err }, "weft admin: publish failed (the delete is saved; live pages miss it)"));
        // the other clients of this worker between two batches
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      progress.log(progress.cancelled ? `Cancelled after deleting ${counted(done, admin)}.` : `Deleted ${counted(done, admin)}.`);
    },
  );
  if (batch === DELETE_BATCH) built.set(admin, action);
  return action;
}
