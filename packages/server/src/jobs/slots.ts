import type { ChannelLayer } from "../pubsub/channel-layer.js";
import { JobQuotaError, type JobRecord } from "./types.js";

/** The caps of {@link JobSlots}: jobs (running or queued) one owner may hold, in all and per action. */
export interface JobCaps {
  /** in all (an integer ≥ 1, or `Infinity` for no cap) */
  perOwner: number;
  /** of one action (an integer ≥ 1, or `Infinity` for no cap) */
  perAction: number;
}

const part = (s: string) => encodeURIComponent(s);

/**
 * The per-owner caps of unfinished jobs, as slots of the channel layer's atomic
 * {@link ChannelLayer.claim}: a job takes a slot in its owner's set (`jobs:slots:<owner>`) and
 * one in its owner-and-action set (`jobs:slots:<owner>:<action>`) before its record exists,
 * keeps them while its lease is renewed, and gives them back when it ends. A job whose worker
 * died frees them when its lease ends, as its record turns `lost`.
 * @internal
 */
export class JobSlots {
  constructor(
    private readonly layer: ChannelLayer,
    private readonly caps: JobCaps,
    private readonly leaseMs: number,
  ) {
    for (const [name, n] of Object.entries(caps)) {
      if (n !== Infinity && !(Number.isInteger(n) && n >= 1)) throw new RangeError(`JobStore: ${name === "perOwner" ? "maxPerOwner" : "maxPerAction"} (${n}) must be an integer ≥ 1 or Infinity`);
    }
  }

  private keys(owner: string, action: string): Array<[string, number, JobQuotaError["scope"]]> {
    const all: Array<[string, number, JobQuotaError["scope"]]> = [
      [`jobs:slots:${part(owner)}`, this.caps.perOwner, "owner"],
      [`jobs:slots:${part(owner)}:${part(action)}`, this.caps.perAction, "action"],
    ];
    return all.filter(([, cap]) => cap !== Infinity);
  }

  /**
   * Takes both slots for job `id` for `leaseMs` (default the job lease), or none.
   * @throws (rejects) {@link JobQuotaError} when a cap is reached; the layer's error when unreachable (nothing is held then)
   */
  async take(owner: string, action: string, id: string, leaseMs = this.leaseMs): Promise<void> {
    const taken: string[] = [];
    try {
      for (const [key, cap, scope] of this.keys(owner, action)) {
        if (!(await this.layer.claim(key, id, cap, leaseMs))) throw new JobQuotaError(scope, cap, action);
        taken.push(key);
      }
    } catch (err) {
      await Promise.allSettled(taken.map((key) => this.layer.release(key, id)));
      throw err;
    }
  }

  /**
   * Renews the leases of a running or queued job's slots (on its lease renewal). Within the cap:
   * a slot that lapsed meanwhile (the store was unreachable longer than a lease) and was taken
   * by another job is not taken back.
   * @param leaseMs - how long they now last (ms; default the job lease; a job waiting for a retry holds them longer)
   */
  async renew(rec: Pick<JobRecord, "id" | "owner" | "action">, leaseMs = this.leaseMs): Promise<void> {
    await Promise.all(this.keys(rec.owner, rec.action).map(([key, cap]) => this.layer.claim(key, rec.id, cap, leaseMs)));
  }

  /** Gives back a job's slots (it ended: done, failed, cancelled or lost). */
  async give(rec: Pick<JobRecord, "id" | "owner" | "action">): Promise<void> {
    await Promise.all(this.keys(rec.owner, rec.action).map(([key]) => this.layer.release(key, rec.id)));
  }
}
