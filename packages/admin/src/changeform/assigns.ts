/**
 * What the change form's template and its slot widgets get (changeform/view.ts builds them).
 */
import type { AdminDatabase } from "../query/index.js";
import type { SlotEntry, SlotPosition } from "../shell/slots.js";
import type { InlineView } from "./inlines.js";
import type { Crumb } from "./page.js";
import type { FieldsetView } from "./present.js";

type Mode = "add" | "change";


/** What the change form's template gets. */
export interface ChangeFormAssigns {
  mode: Mode;
  heading: string;
  verboseName: string;
  /** the object's label (change form) */
  repr: string | null;
  /** the primary key as text (change form) */
  objectId: string | null;
  pkLabel: string;
  crumbs: Crumb[];
  fieldsets: FieldsetView[];
  /** false for a view-only user: no form, no save buttons */
  editable: boolean;
  canDelete: boolean;
  canAddAnother: boolean;
  /** shown above the form */
  formError: string | null;
  /** "manager is also editing this order" (presence), or "" */
  presence: string;
  /** `self`: where the form POSTs without JavaScript (this page's own URL) */
  urls: { self: string; list: string; add: string; history: string; delete: string };
  /** the version of the object as shown (hidden field `_version`), null on the add form */
  version: string | null;
  /** the visible `changeFormWidgets` by position; nested views get `objectId` (none on the add form), LiveComponents {@link FormWidgetProps} */
  slots: Record<SlotPosition, SlotEntry[]>;
  /** the props of each LiveComponent slot widget, by its key */
  componentProps: Record<string, FormWidgetProps>;
  /** the `inlines`' child rows (changeform/inlines.ts) */
  inlines: InlineView[];
  /** the form's reads outlived the site's budget: this message (`FORM_TOO_SLOW`, `SAVE_TOO_SLOW`) in place of the form, else null */
  tooSlow: string | null;
  /**
   * With `tooSlow` once values arrived (a save, a form recovered on a reconnect): what was sent,
   * as the hidden fields of the "Try again" form (name and value pairs, in order;
   * changeform/form-page.ts `keptForm`), else null
   */
  retry: Array<[string, string]> | null;
}

/** What a change form's LiveComponent slot widget receives (besides being re-rendered with the form). */
export interface FormWidgetProps {
  /** the component's id within the form's view (`w0`, `w1`, … by declared order) */
  id: string;
  app: string;
  model: string;
  /** the object's primary key as text, or null on the add form */
  objectId: string | null;
  /**
   * The database to read through: the site's reads for the form's user (`site.readsFor(user)`):
   * off the event loop (SQLite's read pool), each statement under the site's query budget (past
   * it: `QueryTimeoutError`, `WEFT_ADMIN_ERR_QUERY_TIMEOUT`) and charged to the user's fair share.
   */
  db: AdminDatabase;
}
