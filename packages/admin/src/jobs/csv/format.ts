/**
 * CSV as RFC 4180 says: fields separated by commas, records by CRLF, a field holding a comma,
 * a quote, CR or LF wrapped in double quotes with its quotes doubled. Written and read here
 * (a few dozen lines) rather than with a library, so exports and imports agree byte for byte.
 */

/** The UTF-8 byte order mark Excel needs to read a CSV file as UTF-8. */
export const BOM = "\uFEFF";

/** Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Text written as it is, without the formula guard (a number or date formatted by the admin). */
export class CsvRaw {
  constructor(readonly text: string) {}
}

/**
 * One cell as text: a {@link CsvRaw} as it is, null/undefined → empty, Date → ISO 8601 (UTC), booleans → `true`/`false`,
 * objects → JSON. A text cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so
 * that Excel and LibreOffice show it instead of running it (numbers are left alone: `-5` stays `-5`).
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof CsvRaw) return value.text;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "" : value.toISOString();
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  const s = typeof value === "object" ? JSON.stringify(value) : String(value);
  return FORMULA_START.test(s) ? `'${s}` : s;
}

/** A field quoted when it must be (comma, quote, CR, LF). */
function quote(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record (values through {@link cellText}), ending with CRLF. */
export function csvRecord(values: readonly unknown[]): string {
  return values.map((v) => quote(cellText(v))).join(",") + "\r\n";
}

/** Thrown by {@link parseCsv} for malformed input; `line` is 1-based. Code `WEFT_ADMIN_ERR_CSV`. */
export class CsvSyntaxError extends Error {
  readonly code = "WEFT_ADMIN_ERR_CSV";
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = "CsvSyntaxError";
  }
}

/**
 * Parses CSV text (RFC 4180; CRLF or LF line ends; a leading BOM skipped; a final line end
 * optional; blank lines skipped) into records of fields.
 * @throws CsvSyntaxError for a quote inside an unquoted field, text after a closing quote, or an unclosed quote
 */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let i = text.startsWith(BOM) ? 1 : 0;
  let line = 1;
  let rec: string[] = [];
  let field = "";
  const n = text.length;
  const endRecord = () => {
    rec.push(field);
    if (!(rec.length === 1 && rec[0] === "")) out.push(rec);
    rec = [];
    field = "";
  };
  while (i < n) {
    const ch = text[i];
    if (ch === '"' && field === "") {
      const start = line;
      i++;
      for (;;) {
        if (i >= n) throw new CsvSyntaxError("a quoted field is never closed", start);
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        if (c === "\n") line++;
        field += c;
        i++;
      }
      const next = text[i];
      if (i < n && next !== "," && next !== "\r" && next !== "\n") throw new CsvSyntaxError("text after a closing quote", line);
      if (field === "") field = "\0empty"; // a quoted empty field: keep the record even if it is the only one
      continue;
    }
    if (ch === ",") { rec.push(field === "\0empty" ? "" : field); field = ""; i++; continue; }
    if (ch === "\r" || ch === "\n") {
      if (field === "\0empty") field = "";
      endRecord();
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
      line++;
      continue;
    }
    if (ch === '"') throw new CsvSyntaxError("a quote inside an unquoted field", line);
    field += ch;
    i++;
  }
  if (field === "\0empty") field = "";
  if (field !== "" || rec.length > 0) endRecord();
  return out;
}
