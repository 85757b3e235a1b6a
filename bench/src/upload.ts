/**
 * `pnpm bench:upload`: what an upload costs the server — CPU and wall time per MB, frames and
 * wire bytes per file byte — for a 4 MiB file at chunk sizes of 16 KiB, 32 KiB (the default)
 * and 48,000 B (the largest). Prints figures; never fails on a timing.
 *
 * ```
 * node bench/dist/upload.js
 * ```
 *
 * Method: the view runs in this process under `mountLive` (`@weft/server/testing`), which
 * speaks the real frames to the real runtime without a socket: each chunk is the base64 text
 * a browser sends in a `c` frame, each answer the `k` frame and the progress render the
 * server sends. So the CPU is the server's work (decoding, appending to the temporary file,
 * rendering the progress, building frames) plus the helper's base64 encoding of each chunk
 * (the browser's part), without the network or JSON framing of the socket; the file
 * is written under the OS temp directory. Each size runs 5 times after a warm-up; the median
 * is printed.
 */
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { LiveView } from "@weft/server";
import { mountLive } from "@weft/server/testing";

const SIZE = 4 * 1024 * 1024;
const RUNS = 5;

function view(chunkSize: number) {
  return class Upload extends LiveView<{ got: number }> {
    static id = `upload-${chunkSize}`;
    mount() {
      this.allowUpload("file", { accept: "any", maxFileSize: SIZE, chunkSize });
      return { got: 0 };
    }
    render(it: any) {
      const e = it.uploads.file.entries[0];
      return `<p>${e ? `${e.name} <progress value="${e.progress}" max="100"></progress> ${e.progress}%` : ""}</p><p>${it.got}</p>`;
    }
    events = {
      save: async () => {
        const [n] = await this.consumeUploadedEntries("file", async (_e, path) => (await readFile(path)).length);
        this.assign({ got: n ?? -1 });
      },
    };
  };
}

const file = Buffer.alloc(SIZE, 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: string[][] = [];
for (const chunk of [16_384, 32_768, 48_000]) {
  const cls = view(chunk);
  const cpu: number[] = [];
  const wall: number[] = [];
  let frames = 0;
  let wire = 0;
  for (let run = -1; run < RUNS; run++) {
    const t = await mountLive(cls);
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await t.upload("file", [{ name: "big.bin", content: file, type: "application/octet-stream" }]);
    const html = await t.event("save");
    const c = process.cpuUsage(c0);
    const w = performance.now() - w0;
    if (!html.includes(`<p>${SIZE}</p>`)) throw new Error(`bench:upload: the file did not arrive whole: ${html.slice(0, 200)}`);
    if (run >= 0) {
      cpu.push((c.user + c.system) / 1000);
      wall.push(w);
    }
    // what went over the wire: the client's c frames (["c",1,entry,"<base64>"]) and the server's frames
    const chunks = Math.ceil(SIZE / chunk);
    wire = chunks * (Math.ceil(chunk / 3) * 4 + 14) + t.frames.reduce((n, f) => n + Buffer.byteLength(f), 0);
    frames = chunks + t.frames.length;
    await t.close();
  }
  const mb = SIZE / 1e6;
  rows.push([
    String(chunk),
    (median(cpu) / mb).toFixed(1),
    (median(wall) / mb).toFixed(1),
    (mb / (median(wall) / 1000)).toFixed(0),
    String(Math.round(frames / mb)),
    (wire / SIZE).toFixed(3),
  ]);
}
console.log(`upload of a ${SIZE.toLocaleString("en")} B file, median of ${RUNS} (node ${process.version}):`);
console.log("| chunk B | server CPU ms/MB | wall ms/MB | MB/s | frames/MB (both ways) | wire bytes per file byte |");
console.log("|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
