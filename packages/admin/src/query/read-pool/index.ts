/**
 * The admin's SQLite reads in reader processes, under a time budget.
 */
export { SqliteReadPool, type SqliteReadPoolOptions } from "./pool.js";
export { PG_READ_OPTIONS, siteReads, type ReadPoolOption, type SiteReads } from "./site-reads.js";
export { chargedReads } from "./user-reads.js";
