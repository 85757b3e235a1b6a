/**
 * Whose statements these are: the user a change list reads for, carried through the awaits of
 * its page, count and bar statements to the {@link FairShare} that charges them.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const reader = new AsyncLocalStorage<string | number>();

/**
 * Runs `fn` with its statements (and those of everything it awaits) charged to `user` by the
 * site's fair share (see `FairShare`).
 * @param user - the user's id
 * @param fn - the reads
 * @returns what `fn` returns
 */
export function readsOf<T>(user: string | number, fn: () => T): T {
  return reader.run(user, fn);
}

/** The user the running statements are charged to (see {@link readsOf}), or undefined. */
export function currentReader(): string | number | undefined {
  return reader.getStore();
}
