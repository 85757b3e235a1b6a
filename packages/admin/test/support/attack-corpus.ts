/**
 * The attack corpus of the attacks-*.test.ts suites: XSS payloads and SQL metacharacters, what
 * would execute if one came back unescaped, and {@link escaped}, the check that a page shows a
 * payload as text; {@link tally} counts the payload × input checks of a test file (printed at
 * its end).
 */
import { expect } from "vitest";


const XSS = [
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "'><svg/onload=alert(1)>",
  "javascript:alert(1)",
  "</textarea><svg onload=alert(1)>",
  "</title><script>alert(1)</script>",
  "<a href=\"javascript:alert(1)\">x</a>",
  "<%= 1 %>",
  "<%~ it %>",
  "{{7*7}}",
  "${7*7}",
  "&lt;script&gt;alert(1)&lt;/script&gt;",
  "x\u2028<script>\u2029x",
];
const SQL = ["' OR 1=1 --", "%", "_", "\\", '"; DROP TABLE articles; --', "a%b_c\\d", "'; SELECT * FROM weft_users; --", "Robert'); DROP TABLE articles;--"];
export const PAYLOADS = [...XSS, ...SQL];

/** Raw markup that would execute (or navigate) if a payload came back unescaped. */
export const DANGER = /<script>alert|<img src=x onerror|<svg[/ ]onload|href="javascript:|<\/textarea><svg|<\/title><script/i;
/** What the HTML/frames may never contain verbatim: every payload holding markup or a quote. */
export const raw = (p: string) => /[<>"]/.test(p);
/** The HTML entities a page may use for a payload, decoded. */
export const decode = (s: string) =>
  s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#x27;/g, "'").replace(/&#x2F;/gi, "/").replace(/&amp;/g, "&");

/** How many payload × input combinations a test file tried (a running total over its engines, printed at the end). */
export const tally = { tried: 0 };

/** Asserts `html` shows `payload` as text: never raw markup, but present once decoded. */
export function escaped(html: string, payload: string, where: string): void {
  tally.tried++;
  expect(DANGER.test(html), `${where}: executable markup for ${JSON.stringify(payload)}`).toBe(false);
  if (raw(payload)) expect(html.includes(payload), `${where}: raw ${JSON.stringify(payload)}`).toBe(false);
  expect(decode(html).includes(payload), `${where}: ${JSON.stringify(payload)} shown literally`).toBe(true);
}
