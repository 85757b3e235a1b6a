/**
 * The messages between the {@link SqliteReadPool} and its reader processes.
 * @internal
 */

/** How drizzle wants the rows back (sqlite-proxy's `method`). */
export type ReadMethod = "all" | "values" | "get";

/** A statement for a reader. */
export interface ReaderRequest {
  readonly id: number;
  readonly sql: string;
  readonly params: unknown[];
  readonly method: ReadMethod;
}

/** A reader's answer: rows, an error, or (id 0) "ready". */
export interface ReaderReply {
  readonly id: number;
  readonly rows?: unknown;
  readonly error?: { readonly message: string; readonly code?: string };
  readonly ready?: boolean;
}
