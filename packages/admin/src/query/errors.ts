/**
 * The two errors of the change-list data layer: a bad admin configuration (a programming
 * error, raised once at construction) and a bad request parameter (user input, raised per
 * request and answered with 400 or an error flash).
 */
import { WeftAdminError } from "../errors.js";

/**
 * `WEFT_ADMIN_ERR_CHANGELIST_OPTIONS`: a ModelAdmin's change-list options do not fit its
 * drizzle table: an unknown column, a relation that does not point where it says, a filter
 * whose kind cannot be inferred…
 * Raised by `resolveChangeListOptions` (and so by `new ChangeListQuery`) at construction,
 * like Django's system checks (`admin.E108`, `admin.E116`, …) raise at start-up.
 *
 * The message names the admin and the option, e.g.
 * `OrderAdmin.listDisplay[2]: unknown column "totl" on table "orders" (columns: id, number, …)`.
 */
export class ChangeListOptionsError extends WeftAdminError {
  /**
   * @param admin - the admin's name (`options.adminName`, or derived from the table name)
   * @param option - the option at fault, with its index when it is a list, e.g. `listFilter[1]`
   * @param detail - what is wrong, in words
   */
  constructor(
    readonly admin: string,
    readonly option: string,
    detail: string,
  ) {
    super("WEFT_ADMIN_ERR_CHANGELIST_OPTIONS", `${admin}.${option}: ${detail}`);
  }
}

/**
 * `WEFT_ADMIN_ERR_CHANGELIST_PARAM`: a change-list URL parameter that is not allow-listed by
 * the ModelAdmin: an unknown sort field, an unknown filter, a filter value of the wrong shape,
 * a bad page number, an unknown parameter. Mirrors Django's `IncorrectLookupParameters` (which the admin answers with a
 * redirect to `?e=1`); the caller answers 400 or shows an error flash. The message is safe to
 * show to the user: it only quotes the parameter name (truncated) and the allowed values.
 */
export class ChangeListParamError extends WeftAdminError {
  /**
   * @param param - the offending parameter name (e.g. `o`, `status__exact`), truncated to 64 chars
   * @param detail - what is wrong and what would be accepted
   */
  constructor(
    readonly param: string,
    detail: string,
  ) {
    const p = param.length > 64 ? `${param.slice(0, 64)}…` : param;
    super("WEFT_ADMIN_ERR_CHANGELIST_PARAM", `change list parameter "${p}": ${detail}`);
    this.param = p;
  }
}
