/**
 * The PostgreSQL seed's COPY text: which columns each table's writer fills (in the order of
 * seed.ts's inserts) and a {@link RowSink} that turns rows into COPY's text format in chunks.
 */
import type { SeedTable } from "../seed.js";
import type { RowSink } from "./tables.js";

/** How a COPY column is written: as it is, epoch ms as a timestamp, or 1 / 0 as a boolean. */
export type ColumnKind = "value" | "ms" | "bool";

/** Each table's COPY columns, in the order its writer passes the values (seed.ts's inserts). */
export const COPY_COLUMNS: Record<SeedTable, ReadonlyArray<readonly [string, ColumnKind]>> = {
  customers: [["id", "value"], ["name", "value"], ["email", "value"], ["city", "value"], ["country", "value"], ["created_at", "ms"], ["is_vip", "bool"]],
  products: [["id", "value"], ["sku", "value"], ["name", "value"], ["category", "value"], ["price_cents", "value"], ["stock", "value"], ["low_stock_threshold", "value"], ["active", "bool"]],
  orders: [["id", "value"], ["number", "value"], ["customer_id", "value"], ["status", "value"], ["total_cents", "value"], ["created_at", "ms"], ["updated_at", "ms"], ["note", "value"]],
  order_items: [["order_id", "value"], ["product_id", "value"], ["quantity", "value"], ["unit_price_cents", "value"]],
  support_tickets: [["id", "value"], ["customer_id", "value"], ["order_id", "value"], ["subject", "value"], ["status", "value"], ["priority", "value"], ["created_at", "ms"]],
};

/** Rows per chunk. */
export const CHUNK_ROWS = 10_000;

const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
const DAY_MS = 86_400_000;
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
const dates = new Map<number, string>();

/**
 * Epoch milliseconds as a UTC timestamp COPY reads (`2026-11-01 13:05:09.042+00`), as
 * `toISOString` gives it but several times faster (the date part is cached per day): the seed
 * writes nearly a million of them.
 */
export function utcTimestamp(epochMs: number): string {
  const ms = Math.floor(epochMs);
  const day = Math.floor(ms / DAY_MS);
  let date = dates.get(day);
  if (date === undefined) dates.set(day, (date = new Date(day * DAY_MS).toISOString().slice(0, 10)));
  let rest = ms - day * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const sec = rest % 60;
  rest = (rest - sec) / 60;
  const min = rest % 60;
  return `${date} ${PAD2[(rest - min) / 60]}:${PAD2[min]}:${PAD2[sec]}.${PAD3[milli]}+00`;
}

/** COPY's text format for one value: `\N` for null, backslash escapes for `\`, tab, newline, CR. */
export function copyText(value: unknown, kind: ColumnKind): string {
  if (value === null || value === undefined) return "\\N";
  if (kind === "ms") return utcTimestamp(value as number);
  if (kind === "bool") return value ? "t" : "f";
  return typeof value === "string" ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : String(value);
}

/** A {@link RowSink} that writes a table's rows as COPY text, handing on every {@link CHUNK_ROWS} rows. */
export class CopyChunker implements RowSink {
  private current = "";
  private pending = 0;

  /**
   * @param kinds - the table's column kinds ({@link COPY_COLUMNS})
   * @param emit - receives each chunk of COPY text and the number of rows in it
   */
  constructor(
    private readonly kinds: readonly ColumnKind[],
    private readonly emit: (chunk: string, rows: number) => void,
  ) {}

  run(...values: unknown[]): void {
    let line = copyText(values[0], this.kinds[0]!);
    for (let i = 1; i < this.kinds.length; i++) line += `\t${copyText(values[i], this.kinds[i]!)}`;
    this.current += `${line}\n`;
    if (++this.pending === CHUNK_ROWS) this.flush();
  }

  /** Hands on the rows not handed on yet. */
  flush(): void {
    if (this.pending) this.emit(this.current, this.pending);
    this.current = "";
    this.pending = 0;
  }
}
