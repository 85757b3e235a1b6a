/**
 * The change form's parts: fields derived from drizzle columns, validation derived with
 * drizzle-zod, the transactional writes with their audit entries, object labels and the
 * published events (both from model/, shared with the change list and the history pages) and
 * the "saved" notice shown after a redirect.
 */
export { formSpec, shownFields, writableFields, isRequired, FormOptionsError, type FormSpec, type FormField, type FormFieldset, type FieldKind, type ForeignKeyInfo } from "./fields.js";
export { validateForm, formSchemas, type FieldErrors, type FormInput, type Validated } from "./schema.js";
export { fromFormValue, toFormValue, parseDatetime, formatDatetime } from "./coerce.js";
export { foreignKeyChoices, relatedLabel, FK_CHOICE_LIMIT, type Choice } from "./choices.js";
export { insertObject, updateObject, deleteObject, loadObject, diffRows, type WriteContext, type Written } from "./persist.js";
export { describeDbError, sqliteCode, type SaveFailure } from "./db-errors.js";
export { reprOf } from "../model/repr.js";
export { modelTopic, publishModelEvent, type ModelEvent, type ModelEventKind } from "../model/publish.js";
export { savedNotice, NOTICE_PARAMS, NOTICE_WINDOW_MS } from "./notice.js";
export { relatedRows, type RelatedRows } from "./related.js";
export { DeleteView } from "./delete-view.js";
