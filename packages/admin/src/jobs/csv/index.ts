/**
 * CSV export (the built-in "Export selected as CSV" progress action, its file stored in the
 * site's database, and its download) and import (dry run, then a cancellable progress job).
 */
export { BOM, cellText, csvRecord, parseCsv, CsvSyntaxError } from "./format.js";
export { EXPORT_CSV, EXPORT_BATCH, exportCsvAction, exportRows, progressActionsOf, type ExportCsvOptions, type ExportSource } from "./export.js";
export { exportSize, exportStored, readExport, sweepExports } from "./stored.js";
export { planImport, autoMapping, importableFields, ImportFileError, IMPORT_LIMITS, type ImportMapping, type ImportPlan, type PlannedRow, type RowError, type PlanOptions } from "./import-plan.js";
export { startImport, IMPORT_CSV, type ImportJobOptions } from "./import-job.js";
