// The change list's listEditable formset as a browser sends it, for the tests of
// list-editable.test.ts and list-editable-fk.test.ts.

/** The form values a browser would send for the list's formset (hidden, text, number, checked boxes, selected options). */
export function formValues(html: string): Record<string, string> {
  const form = /<form id="cl-editable"[\s\S]*?<\/form>/.exec(html)?.[0] ?? "";
  const out: Record<string, string> = {};
  const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
  for (const [tag] of form.matchAll(/<input[^>]*>/g)) {
    const name = attr(tag, "name");
    if (!name?.startsWith("form-")) continue;
    if (attr(tag, "type") === "checkbox" && !/\schecked/.test(tag)) continue;
    out[name] = attr(tag, "value") ?? "";
  }
  for (const m of form.matchAll(/<select[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    out[m[1]!] = /<option value="([^"]*)" selected>/.exec(m[2]!)?.[1] ?? /<option value="([^"]*)"/.exec(m[2]!)?.[1] ?? "";
  }
  return out;
}
/** The form index of row `pk` in the formset. */
export function indexOf(html: string, pk: number): number {
  const m = new RegExp(`name="form-(\\d+)-id" value="${pk}"`).exec(html);
  if (!m) throw new Error(`row ${pk} is not in the formset`);
  return Number(m[1]);
}
export const rowHtml = (html: string, pk: number) => new RegExp(`<tr data-pk="${pk}"[^>]*>[\\s\\S]*?</tr>(\\s*<tr class="cl-row-errors">[\\s\\S]*?</tr>)?`).exec(html)?.[0] ?? "";
