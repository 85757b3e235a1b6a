/**
 * CSV export (the built-in "Export selected as CSV" progress action and its download) and
 * import (dry run, then a cancellable progress job).
 */
export { BOM, cellText, csvRecord, parseCsv, CsvSyntaxError } from "./format.js";
export { EXPORT_CSV, EXPORT_BATCH, exportCsvAction, exportRows, progressActionsOf, type ExportCsvOptions, type ExportSource } from "./export.js";
export { exportDir, exportFile, setExportDir, sweepExports } from "./files.js";
export { planImport, autoMapping, importableFields, ImportFileError, IMPORT_LIMITS, type ImportMapping, type ImportPlan, type PlannedRow, type RowError, type PlanOptions } from "./import-plan.js";
export { startImport, IMPORT_CSV, type ImportJobOptions } from "./import-job.js";
