/**
 * Field types: how a column reads and is typed in, declared per ModelAdmin
 * (`fieldTypes: { totalCents: { type: "money" } }`), as Django's `DecimalField` /
 * django-money's `MoneyField` with `Intl.NumberFormat` doing the formatting. One place
 * formats them: the change list's cells, the change form (inputs and read-only values) and
 * the history pages all call {@link formatTyped}, {@link typedInput} and {@link parseTyped}.
 */
import { adminError } from "../errors.js";

/**
 * Money held as an integer of minor units (cents), shown as "€822.45" and typed in as
 * "822.45". The currency is `currencyField`'s value in the row when it has one, else
 * `currency`, else the site's `display.currency`.
 */
export interface MoneyType {
  type: "money";
  /** ISO 4217 code, e.g. "EUR" (default: the site's `display.currency`) */
  currency?: string;
  /** a column of the row holding its ISO 4217 code (e.g. `currency`) */
  currencyField?: string;
}

/** A number shown with a fixed number of decimals ("1,234.50"); typed in with at most `places` decimals. */
export interface DecimalType {
  type: "decimal";
  /** decimals shown and accepted, 0–6 (default 2) */
  places?: number;
}

/** A ratio held as 0.125, shown as "12.5%" and typed in as "12.5". */
export interface PercentType {
  type: "percent";
  /** decimals of the percentage shown and accepted, 0–6 (default 1) */
  places?: number;
}

/** A 0/1 (or true/false) column shown as ✓ / ✗ icons with "Yes" / "No" for screen readers. */
export interface BooleanType {
  type: "boolean";
}

/** How a column is shown and edited (see {@link formatTyped}). */
export type FieldType = MoneyType | DecimalType | PercentType | BooleanType;

/** Site-wide display settings (`new AdminSite({ display })`). */
export interface DisplayOptions {
  /** BCP 47 locale of numbers and dates (default "en-GB") */
  locale?: string;
  /** ISO 4217 code of money fields that name none (default: none; then each money field must name one) */
  currency?: string;
  /** IANA time zone every date is shown and typed in, e.g. "Europe/Paris" (default "UTC") */
  timeZone?: string;
}

/** {@link DisplayOptions} with the defaults applied and checked. */
export interface Display {
  locale: string;
  currency: string | undefined;
  timeZone: string;
}

/**
 * Applies the defaults and checks the options.
 *
 * @throws WeftAdminError `WEFT_ADMIN_ERR_FIELD_TYPE` for an unknown locale, currency or time zone
 */
export function resolveDisplay(o: DisplayOptions = {}): Display {
  const d: Display = { locale: o.locale ?? "en-GB", currency: o.currency, timeZone: o.timeZone ?? "UTC" };
  try {
    new Intl.DateTimeFormat(d.locale, { timeZone: d.timeZone });
  } catch (err) {
    throw adminError("WEFT_ADMIN_ERR_FIELD_TYPE", `weft admin: display.timeZone "${d.timeZone}" or display.locale "${d.locale}" is not known to Intl (use an IANA zone such as "Europe/Paris")`, { cause: err });
  }
  if (d.currency !== undefined) checkCurrency(d.currency, "display.currency");
  return d;
}

function checkCurrency(code: string, where: string): void {
  if (typeof code !== "string" || !/^[A-Z]{3}$/.test(code)) throw adminError("WEFT_ADMIN_ERR_FIELD_TYPE", `weft admin: ${where} "${String(code)}" is not an ISO 4217 code such as "EUR"`);
}

const TYPES = new Set(["money", "decimal", "percent", "boolean"]);

/**
 * Checks a ModelAdmin's `fieldTypes` against its table's column keys.
 *
 * @param where - e.g. `ModelAdmin(shop.order)`, for messages
 * @param types - the `fieldTypes` option
 * @param columns - the table's column keys
 * @param display - the site's display settings (a money field without a currency needs the site's)
 * @throws WeftAdminError `WEFT_ADMIN_ERR_FIELD_TYPE` for an unknown column or type, bad places,
 *   a bad currency code, or money with no currency anywhere
 */
export function checkFieldTypes(where: string, types: Readonly<Record<string, FieldType>>, columns: readonly string[], display: Display): void {
  const bad = (key: string, detail: string) => adminError("WEFT_ADMIN_ERR_FIELD_TYPE", `weft admin: ${where} fieldTypes.${key}: ${detail}`);
  for (const [key, t] of Object.entries(types)) {
    if (!columns.includes(key)) throw bad(key, `"${key}" is not a column of the table`);
    if (!t || !TYPES.has(t.type)) throw bad(key, `unknown type ${JSON.stringify((t as { type?: unknown })?.type)} (money, decimal, percent or boolean)`);
    if ((t.type === "decimal" || t.type === "percent") && t.places !== undefined && !(Number.isInteger(t.places) && t.places >= 0 && t.places <= 6)) throw bad(key, `places must be an integer 0-6 (got ${String(t.places)})`);
    if (t.type === "money") {
      if (t.currency !== undefined) checkCurrency(t.currency, `${where} fieldTypes.${key}.currency`);
      if (t.currencyField !== undefined && !columns.includes(t.currencyField)) throw bad(key, `currencyField "${t.currencyField}" is not a column of the table`);
      if (t.currency === undefined && display.currency === undefined) throw bad(key, 'money needs a currency: set fieldTypes.' + key + '.currency, or the site\'s display.currency (new AdminSite({ display: { currency: "EUR" } }))');
    }
  }
}

const numberFormats = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(opts)}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(locale, opts)));
  return f;
}

/** The currency of a money value: the row's `currencyField` when it holds a code, else the field's, else the site's. */
export function currencyOf(t: MoneyType, row: Readonly<Record<string, unknown>> | undefined, display: Display): string {
  const fromRow = t.currencyField ? row?.[t.currencyField] : undefined;
  if (typeof fromRow === "string" && /^[A-Z]{3}$/.test(fromRow)) return fromRow;
  return t.currency ?? display.currency ?? "EUR";
}

/** The decimals of a currency's minor unit (EUR 2, JPY 0, BHD 3). */
export function minorDigits(currency: string): number {
  let digits = minorDigitsOf.get(currency);
  if (digits === undefined) minorDigitsOf.set(currency, (digits = numberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2));
  return digits;
}
// by currency code: resolvedOptions() makes a new object per call (every money cell of every page)
const minorDigitsOf = new Map<string, number>();

function places(t: DecimalType | PercentType): number {
  return t.places ?? (t.type === "decimal" ? 2 : 1);
}

/**
 * How a typed value reads (list cells, read-only form fields, history).
 *
 * @param t - the field's type
 * @param value - the stored value (cents for money, a ratio for percent); null/undefined/"" give ""
 * @param row - the row (money's `currencyField`), if known
 * @returns e.g. "€822.45", "1,234.50", "12.5%", "Yes" / "No"; the value as text when it is not a number
 */
export function formatTyped(t: FieldType, value: unknown, row: Readonly<Record<string, unknown>> | undefined, display: Display): string {
  if (value === null || value === undefined || value === "") return "";
  if (t.type === "boolean") return value === true || value === 1 || value === "1" ? "Yes" : "No";
  const n = typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) return String(value);
  if (t.type === "money") {
    const currency = currencyOf(t, row, display);
    return numberFormat(display.locale, { style: "currency", currency }).format(n / 10 ** minorDigits(currency));
  }
  const p = places(t);
  if (t.type === "percent") return numberFormat(display.locale, { style: "percent", minimumFractionDigits: p, maximumFractionDigits: p }).format(n);
  return numberFormat(display.locale, { minimumFractionDigits: p, maximumFractionDigits: p }).format(n);
}

/** `12345` with 2 digits → `"123.45"`, exactly (no floating point). */
function shiftDown(n: number, digits: number): string {
  const neg = n < 0;
  const s = String(Math.abs(Math.trunc(n))).padStart(digits + 1, "0");
  const out = digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
  return neg ? `-${out}` : out;
}

/**
 * The text an input shows for a typed value: money "822.45" (no symbol, no grouping), a
 * percentage "12.5", a decimal "1234.50"; "" for null.
 */
export function typedInput(t: FieldType, value: unknown, row: Readonly<Record<string, unknown>> | undefined, display: Display): string {
  if (value === null || value === undefined || value === "") return "";
  if (t.type === "boolean") return value === true || value === 1 || value === "1" ? "1" : "";
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  if (t.type === "money") return Number.isSafeInteger(n) ? shiftDown(n, minorDigits(currencyOf(t, row, display))) : String(n);
  if (t.type === "percent") return String(Number((n * 100).toFixed(places(t))));
  return n.toFixed(places(t));
}

/** The result of {@link parseTyped}. */
export type TypedParse = { ok: true; value: number } | { ok: false; error: string };

/**
 * Reads a typed input: money "822.45" → 82245 (cents), "12.5" (percent) → 0.125, a decimal →
 * its number. Accepts a leading sign, and no grouping separators or symbols.
 *
 * @param s - the trimmed, non-empty input
 * @returns the stored value, or the error to show under the input
 */
export function parseTyped(t: Exclude<FieldType, BooleanType>, s: string, row: Readonly<Record<string, unknown>> | undefined, display: Display): TypedParse {
  const digits = t.type === "money" ? minorDigits(currencyOf(t, row, display)) : places(t);
  const m = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(s) ?? /^([+-]?)()\.(\d+)$/.exec(s);
  const what = t.type === "money" ? "an amount" : t.type === "percent" ? "a percentage" : "a number";
  const example = t.type === "money" ? (digits ? `822.${"45".padEnd(digits, "0").slice(0, digits)}` : "822") : t.type === "percent" ? "12.5" : "1234.5";
  if (!m) return { ok: false, error: `Enter ${what} like ${example}, without symbols or thousands separators.` };
  const [, sign, int, frac = ""] = m;
  if (frac.length > digits) return { ok: false, error: digits ? `Enter ${what} with at most ${digits} decimal place${digits === 1 ? "" : "s"}.` : `Enter ${what} without decimals.` };
  if (t.type === "money") {
    const cents = Number(`${int || "0"}${frac.padEnd(digits, "0")}`) * (sign === "-" ? -1 : 1);
    if (!Number.isSafeInteger(cents)) return { ok: false, error: `Enter a smaller amount.` };
    return { ok: true, value: cents };
  }
  const n = Number(`${sign}${int || "0"}.${frac || "0"}`);
  if (!Number.isFinite(n)) return { ok: false, error: `Enter ${what}.` };
  return { ok: true, value: t.type === "percent" ? Number((n / 100).toFixed(digits + 2)) : n };
}

/** The input's `step` for a typed field: "0.01" for euros, "0.1" for a 1-place percentage. */
export function typedStep(t: Exclude<FieldType, BooleanType>, row: Readonly<Record<string, unknown>> | undefined, display: Display): string {
  const digits = t.type === "money" ? minorDigits(currencyOf(t, row, display)) : places(t);
  return digits ? `0.${"1".padStart(digits, "0")}` : "1";
}
