import { fileURLToPath } from "node:url";
import { addTemplateRoot } from "@weft/server/render";

/**
 * The admin's source folder (templates and CSS live beside the code of their feature). The same
 * path from `src/` (tests) and `dist/` (built), since both sit one level below the package.
 */
export const ADMIN_SRC = fileURLToPath(new URL("../src/", import.meta.url));

// feature folders' templates include the shell's partials (`../shell/crumbs`)
addTemplateRoot(ADMIN_SRC);
