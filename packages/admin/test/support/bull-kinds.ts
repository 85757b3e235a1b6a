// The kinds of job of jobs-bullmq.test.ts (registered by the worker processes and, to enqueue
// them, by the test): "rows" (resumable), "rows_once" (not resumable), "empty".
import { setTimeout as sleep } from "node:timers/promises";
import type Database from "better-sqlite3";
import type { JobQueue } from "@weft/server/jobs";

/** `{ delayMs }` per row; processes `items` rows with id > the last checkpoint, skipping done ones (as the demo's refund). */
export function registerTestKinds(queue: JobQueue, db: Database.Database, name: string, say: (m: Record<string, unknown>) => void, concurrency = 2): void {
  const rows = async (data: unknown, progress: import("@weft/server/jobs").Progress) => {
    const { delayMs } = data as { delayMs: number };
    say({ started: progress.jobId, resumed: progress.resumed });
    const after = (progress.lastCheckpoint as { lastId?: number } | undefined)?.lastId ?? 0;
    const ids = (db.prepare("select id from items where id > ? order by id").all(after) as Array<{ id: number }>).map((r) => r.id);
    const total = (db.prepare("select count(*) n from items").get() as { n: number }).n;
    let current = total - ids.length;
    progress.update({ current, total });
    const mark = db.prepare("update items set done = done + 1, worker = ? where id = ? and done = 0");
    const tried = db.prepare("update items set tries = tries + 1 where id = ?");
    for (const id of ids) {
      if (progress.cancelled) return;
      tried.run(id);
      mark.run(name, id);
      progress.checkpoint({ lastId: id });
      progress.update({ current: ++current });
      await sleep(delayMs, undefined, { signal: progress.signal }).catch(() => {});
    }
  };
  queue.handle("rows", rows, { concurrency });
  queue.handle("rows_once", rows, { concurrency });
  queue.handle(
    "empty",
    async (data) => {
      const { delayMs } = data as { delayMs: number };
      if (delayMs) await sleep(delayMs);
    },
    { concurrency },
  );
}
