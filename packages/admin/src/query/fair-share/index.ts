/**
 * A per-user fair share of the database's time, and whose statements are being run.
 */
export { FairShare, type FairShareOption, type FairShareOptions } from "./fair-share.js";
export { currentReader, readsOf } from "./reader.js";
