// The public surface of @weft/admin, kept as a file: a change to what the package exports is a
// visible diff in review (update it with `pnpm exec vitest run -u packages/admin/test/exports.test.ts`).
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { formatApi, publicApi } from "../../../scripts/public-api.mjs";

const api = publicApi(fileURLToPath(new URL("..", import.meta.url)));

it("exports what exports.txt lists, and a small root", async () => {
  await expect(formatApi(api)).toMatchFileSnapshot("./exports.txt");
  expect(api["."]!.length).toBeLessThanOrEqual(60);
});
