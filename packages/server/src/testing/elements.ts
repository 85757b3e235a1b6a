/**
 * The elements and forms a {@link LiveTest} finds in its view's HTML (as Phoenix's
 * `element/3` and `form/3`), and what clicking, changing or submitting them sends.
 */
import { A_CHANGE, A_CLICK, A_PATCH, A_SUBMIT, A_TARGET } from "@weft/client/protocol";
import { weftError } from "../errors.js";
import { findOne, lvValues, ownerView, withChanges } from "./dom.js";
import type { Payload } from "../live/types.js";

/** What an element or a form drives: the `LiveTest` it was found in (live-test.ts), and the views it owns. @internal */
export interface TestedView {
  html(): string;
  settle(): Promise<string>;
  /** the test of the view that owns the DOM id (the element's nearest view root) */
  owner(domId: string | undefined): {
    event(name: string, payload: Payload, target?: string): Promise<string>;
    patch(url: string): Promise<string>;
  };
}

/** One element of a view's HTML, found by {@link LiveTest.element}. */
export class LiveElement {
  /** @internal */
  constructor(
    private test: TestedView,
    private selector: string,
    private text?: string | RegExp,
  ) {}

  /** Its outer HTML now, as Phoenix's `render(element(…))`. @throws WeftError `WEFT_ERR_TEST_NO_ELEMENT` unless exactly one element matches */
  render(): string {
    return findOne(this.test.html(), this.selector, this.text).toString();
  }

  /**
   * Clicks it, as the browser would: an `lv-click` element sends its event (payload: its
   * `lv-value-*` plus `value`) to its view, or to the component its `lv-target` names; an
   * `lv-patch` link patches the URL. Waits for the reply.
   * @returns the view's HTML afterwards (of the top view)
   * @throws WeftError `WEFT_ERR_TEST_NO_ELEMENT` unless exactly one element matches;
   *   `WEFT_ERR_TEST_NO_BINDING` when it has neither `lv-click` nor `lv-patch`
   */
  async click(value: Payload = {}): Promise<string> {
    const el = findOne(this.test.html(), this.selector, this.text);
    const view = this.test.owner(ownerView(el));
    const name = el.getAttribute(A_CLICK);
    if (name) {
      await view.event(name, { ...lvValues(el), ...value }, el.getAttribute(A_TARGET) || undefined);
      return this.test.settle();
    }
    const to = el.getAttribute(A_PATCH);
    if (to !== undefined) {
      await view.patch(to || el.getAttribute("href") || "");
      return this.test.settle();
    }
    throw weftError("WEFT_ERR_TEST_NO_BINDING", `weft testing: ${JSON.stringify(this.selector)} has no ${A_CLICK} (nor ${A_PATCH}): ${el.toString().slice(0, 200)}`);
  }
}

/** A form of a view's HTML, found by {@link LiveTest.form}. */
export class LiveForm {
  /** @internal */
  constructor(
    private test: TestedView,
    private selector: string,
  ) {}

  /**
   * Changes fields, as typing into them would: sends the form's `lv-change` event with every
   * field's value (as `FormData` collects them) after `values`, and `_target` naming the first
   * changed field, as the browser does. Waits for the reply.
   * @param values - field name (as in the HTML: `"user[name]"`) → new value
   * @throws WeftError `WEFT_ERR_TEST_NO_ELEMENT`, `WEFT_ERR_TEST_NO_BINDING` (no `lv-change`), `WEFT_ERR_TEST_NO_FIELD` (a name the form lacks)
   */
  change(values: Record<string, unknown> = {}): Promise<string> {
    const first = Object.keys(values)[0];
    return this.send(A_CHANGE, values, first === undefined ? {} : { _target: first });
  }

  /**
   * Submits it: sends its `lv-submit` event with every field's value after `values`. Waits for the reply.
   * @throws WeftError `WEFT_ERR_TEST_NO_ELEMENT`, `WEFT_ERR_TEST_NO_BINDING` (no `lv-submit`), `WEFT_ERR_TEST_NO_FIELD`
   */
  submit(values: Record<string, unknown> = {}): Promise<string> {
    return this.send(A_SUBMIT, values, {});
  }

  private async send(binding: string, values: Record<string, unknown>, extra: Payload): Promise<string> {
    const form = findOne(this.test.html(), this.selector);
    const name = form.getAttribute(binding);
    if (!name) throw weftError("WEFT_ERR_TEST_NO_BINDING", `weft testing: ${JSON.stringify(this.selector)} has no ${binding}: ${form.toString().slice(0, 200)}`);
    const payload = { ...withChanges(form, values), ...extra };
    await this.test.owner(ownerView(form)).event(name, payload, form.getAttribute(A_TARGET) || undefined);
    return this.test.settle();
  }
}
