/**
 * The messages between the {@link SqliteReadPool} and its reader processes.
 * @internal
 */

/**
 * How the rows come back: "all" / "values" as arrays of values (sqlite-proxy's builders), "get"
 * the first such row, "objects" as objects keyed by column name (raw SQL, as better-sqlite3's `db.all(sql)`).
 */
export type ReadMethod = "all" | "values" | "get" | "objects";

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
