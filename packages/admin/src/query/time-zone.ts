/**
 * Wall-clock time in the site's time zone (`display.timeZone`), with `Intl.DateTimeFormat`:
 * every date of the admin — change-list cells, form inputs and read-only values, history,
 * job pages — is shown and typed in that one zone, as Django's `TIME_ZONE` with `USE_TZ`.
 */

const parts = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = parts.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    parts.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of `ms` in `timeZone`, as a UTC timestamp of the same fields. */
function wallMs(ms: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const { type, value } of partsFormat(timeZone).formatToParts(ms)) if (type !== "literal") p[type] = Number(value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!, ms - Math.floor(ms / 1000) * 1000);
}

/**
 * `2024-05-01T11:30:05`: the date's wall-clock time in `timeZone` (what a
 * `datetime-local` input shows), seconds always present.
 *
 * @param d - a valid Date
 * @param timeZone - an IANA zone (default "UTC")
 */
export function wallTime(d: Date, timeZone = "UTC"): string {
  if (timeZone === "UTC") return d.toISOString().slice(0, 19);
  return new Date(wallMs(d.getTime(), timeZone)).toISOString().slice(0, 19);
}

/**
 * The instant whose wall-clock time in `timeZone` has these fields (as `Date.UTC` takes them).
 * In a gap (clocks moved forward) it is the instant after the gap; in an overlap (clocks moved
 * back), the earlier of the two.
 */
export function fromWallTime(fields: readonly number[], timeZone = "UTC"): Date {
  const [y, mo, d, h = 0, mi = 0, s = 0, ms = 0] = fields;
  const asUtc = Date.UTC(y!, mo! - 1, d!, h, mi, s, ms);
  if (timeZone === "UTC") return new Date(asUtc);
  // the zone's offset at a first guess, then again at the corrected instant (DST edges)
  let t = asUtc - (wallMs(asUtc, timeZone) - asUtc);
  const offset = wallMs(t, timeZone) - t;
  t = asUtc - offset;
  // an overlap: the earlier instant an hour before has the same wall time
  if (wallMs(t - 3_600_000, timeZone) === asUtc) t -= 3_600_000;
  return new Date(t);
}

/** `2024-05-01 11:30:05 Europe/Paris` (`minutes`: `2024-05-01 11:30 Europe/Paris`): a date as the form, history and job pages print it. */
export function formatInZone(d: Date, timeZone = "UTC", minutes = false): string {
  const w = wallTime(d, timeZone).replace("T", " ");
  return `${minutes ? w.slice(0, 16) : w} ${timeZone}`;
}
