import type { Delta } from "./protocol.js";

/**
 * Rebuilds the new HTML from the old HTML and a delta (see {@link Delta}).
 * Pure; used by the browser runtime and by the server's tests and test helper.
 *
 * @param old - the HTML the delta was computed against
 * @param delta - flat splices `[gap, deleteCount, insert, …]`, positions in UTF-16 code units
 * @returns the new HTML
 */
export function applyDelta(old: string, delta: Delta): string {
  let out = "";
  let at = 0;
  for (let i = 0; i < delta.length; i += 3) {
    const gap = delta[i] as number;
    out += old.slice(at, at + gap) + (delta[i + 2] as string);
    at += gap + (delta[i + 1] as number);
  }
  return out + old.slice(at);
}
