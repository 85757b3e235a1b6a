#!/usr/bin/env node
// The `weft` command. A plain source file, so that package managers can link it at install
// time, before `pnpm build` has written dist/; it runs the compiled CLI (src/cli/main.ts).
import { runCli } from "../dist/cli/main.js";

process.exitCode = await runCli(process.argv.slice(2));
