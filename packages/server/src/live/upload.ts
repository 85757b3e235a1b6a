/**
 * File uploads of one view, as Phoenix LiveView's `allow_upload` / `consume_uploaded_entries`:
 * the upload configurations a view allowed, their entries (one per chosen file), the limits
 * checked before a byte is stored, and the temporary files the chunks are written to.
 *
 * The bytes come over the view's own socket (docs/protocol.md, "Uploads"): the browser names
 * the chosen files (`["f", …]`), the server checks each against the upload's limits and asks
 * for the accepted ones slice by slice (`["k", …]`), the browser answers each request with one
 * chunk (`["c", …]`). The server never stores more bytes than an entry declared, and never
 * accepts an entry declaring more than `maxFileSize`, so a client lying about a file's size is
 * cut off at `maxFileSize` at the latest.
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UploadFile } from "@weft/client/codec";
import { WeftError, weftError } from "../errors.js";

/** Options of {@link LiveView.allowUpload}, as Phoenix's `allow_upload/3`. */
export interface UploadOptions {
  /**
   * What files are accepted: extensions (`".png"`, case-insensitive) and MIME types
   * (`"image/png"`, `"image/*"`), or `"any"`. A file is accepted when its name's extension or
   * its type (as the browser reports it) is in the list. This is the form's check, not a
   * content check: look at the bytes when you consume the entry.
   */
  accept: readonly string[] | "any";
  /** most files at once (default 1; with 1, a new choice replaces the current file, as Phoenix) */
  maxEntries?: number;
  /** largest file in bytes (default 8,000,000, as Phoenix) */
  maxFileSize?: number;
  /** bytes per chunk over the socket (default 32,768; 1 to 48,000, so a chunk frame stays under the 64 KiB frame limit) */
  chunkSize?: number;
}

/** Why an entry was refused: the `code` of an {@link UploadError}. */
export type UploadErrorCode = "not_accepted" | "too_large" | "too_many_files" | "bad_chunk";

/** An entry's error, for the form: a stable code and a message to show. */
export interface UploadError {
  code: UploadErrorCode;
  message: string;
}

/** One chosen file, as the template sees it (`it.uploads.<name>.entries`). */
export interface UploadEntry {
  /** the entry's ref (for `cancelUpload(name, ref)`, e.g. `lv-value-ref`) */
  readonly ref: number;
  /** the file name the browser reported */
  readonly name: string;
  /** the size in bytes the browser declared */
  readonly size: number;
  /** the MIME type the browser reported ("" when it did not know) */
  readonly type: string;
  /** per cent of the bytes received, 0 to 100 */
  readonly progress: number;
  /** every byte arrived: the entry can be consumed */
  readonly done: boolean;
  /** no error: the entry is (being) uploaded */
  readonly valid: boolean;
  /** why the entry was refused (empty when valid) */
  readonly errors: readonly UploadError[];
}

/** One upload as the template sees it: `it.uploads.<name>`. */
export interface UploadState {
  readonly name: string;
  /** the `accept` option, for the input's `accept` attribute (`""` for any) */
  readonly accept: string;
  readonly maxEntries: number;
  readonly maxFileSize: number;
  readonly entries: readonly UploadEntry[];
}

/** A frame the view sends back: ask entry `entry` for `length` bytes from `offset` (0: stop). */
export type ChunkRequest = [entry: number, offset: number, length: number];

/** `WEFT_ERR_UPLOAD_REFUSED`: an upload frame names an upload the view did not allow, or an entry ref twice (answered `invalid_payload`). */
export class UploadRefusedError extends WeftError {
  constructor(message: string) {
    super("WEFT_ERR_UPLOAD_REFUSED", message);
  }
}

const MAX_CHUNK = 48_000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

interface Entry {
  ref: number;
  name: string;
  size: number;
  type: string;
  received: number;
  progress: number;
  errors: UploadError[];
  path?: string;
}

interface Config {
  name: string;
  exts: string[];
  mimes: string[];
  any: boolean;
  accept: string;
  maxEntries: number;
  maxFileSize: number;
  chunkSize: number;
  entries: Entry[];
}

const mb = (n: number) => (n >= 1e6 ? `${+(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${+(n / 1e3).toFixed(1)} kB` : `${n} B`);

function option(name: string, what: string, want: string, got: unknown): never {
  throw weftError("WEFT_ERR_UPLOAD_OPTION", `weft: allowUpload("${name}"): ${what} must be ${want}; got ${typeof got === "string" ? JSON.stringify(got) : String(got)}`);
}

function count(name: string, key: string, v: unknown, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || (v as number) < 1 || (v as number) > max) option(name, `\`${key}\``, `an integer from 1 to ${max}`, v);
  return v as number;
}

/**
 * The uploads of one view: its configurations, their entries, the temporary files. Made by
 * the view's first `allowUpload`; the runtime feeds it the socket's upload frames and removes
 * its files when the view leaves.
 * @internal
 */
export class UploadSet {
  private configs = new Map<string, Config>();
  private dir?: Promise<string>;
  private disposed = false;

  /** @param changed - called with the new `it.uploads` whenever an entry changed (progress by whole per cent) */
  constructor(private changed: (uploads: Record<string, UploadState>) => void) {}

  /**
   * Allows (or re-allows, dropping its entries) the upload `name`.
   * @throws WeftError `WEFT_ERR_UPLOAD_OPTION` for an option of the wrong type or range
   */
  allow(name: string, opts: UploadOptions): void {
    if (typeof name !== "string" || !name || name.length > 128) option(String(name), "the name", "a string of 1 to 128 characters", name);
    if (typeof opts !== "object" || opts === null) option(name, "the options", "an object `{ accept, maxEntries, maxFileSize }`", opts);
    const accept = opts.accept;
    const any = accept === "any";
    if (!any && !(Array.isArray(accept) && accept.length && accept.every((a) => typeof a === "string" && /^(\.[\w-]+|[\w.+-]+\/([\w.+-]+|\*))$/.test(a)))) {
      option(name, "`accept`", '"any" or a non-empty list of extensions (".png") and MIME types ("image/png", "image/*")', Array.isArray(accept) ? JSON.stringify(accept) : accept);
    }
    const list = any ? [] : (accept as string[]).map((a) => a.toLowerCase());
    const old = this.configs.get(name);
    for (const e of old?.entries ?? []) this.remove(e);
    this.configs.set(name, {
      name,
      any,
      exts: list.filter((a) => a.startsWith(".")),
      mimes: list.filter((a) => !a.startsWith(".")),
      accept: list.join(","),
      maxEntries: count(name, "maxEntries", opts.maxEntries, 1),
      maxFileSize: count(name, "maxFileSize", opts.maxFileSize, 8_000_000),
      chunkSize: count(name, "chunkSize", opts.chunkSize, 32_768, MAX_CHUNK),
      entries: [],
    });
    this.emit();
  }

  /** `it.uploads`: every upload with copies of its entries. */
  state(): Record<string, UploadState> {
    const out: Record<string, UploadState> = {};
    for (const c of this.configs.values()) {
      out[c.name] = {
        name: c.name,
        accept: c.accept,
        maxEntries: c.maxEntries,
        maxFileSize: c.maxFileSize,
        entries: c.entries.map((e) => ({
          ref: e.ref,
          name: e.name,
          size: e.size,
          type: e.type,
          progress: e.progress,
          done: !e.errors.length && e.received === e.size,
          valid: !e.errors.length,
          errors: [...e.errors],
        })),
      };
    }
    return out;
  }

  /**
   * Files were chosen for upload `name`: checks each against the limits (type, size, count)
   * before anything is stored, and returns the first chunk request of every accepted one.
   * Entries refused earlier are dropped (their errors were for the previous choice).
   * @throws UploadRefusedError when `name` is not allowed or an entry ref is already taken
   */
  preflight(name: string, files: readonly UploadFile[]): ChunkRequest[] {
    const c = this.configs.get(name);
    if (!c) throw new UploadRefusedError(`no upload "${name.slice(0, 64)}" is allowed`);
    const taken = new Set([...this.configs.values()].flatMap((k) => k.entries.map((e) => e.ref)));
    for (const [ref] of files) {
      if (taken.has(ref)) throw new UploadRefusedError(`upload entry ${ref} already exists`);
      taken.add(ref);
    }
    // as Phoenix: with one entry allowed, a new choice replaces the current one
    for (const e of c.entries) if (e.errors.length || (c.maxEntries === 1 && files.length)) this.remove(e);
    c.entries = c.entries.filter((e) => !e.errors.length && !(c.maxEntries === 1 && files.length));
    const asks: ChunkRequest[] = [];
    for (const [ref, fileName, size, type] of files) {
      const e: Entry = { ref, name: fileName, size, type, received: 0, progress: size ? 0 : 100, errors: [] };
      const ext = fileName.includes(".") ? fileName.slice(fileName.lastIndexOf(".")).toLowerCase() : "";
      const mime = type.toLowerCase();
      const accepted = c.any || c.exts.includes(ext) || c.mimes.some((m) => m === mime || (m.endsWith("/*") && mime.startsWith(m.slice(0, -1))));
      if (!accepted) e.errors.push({ code: "not_accepted", message: `This type of file is not accepted (${c.accept.replace(/,/g, ", ")})` });
      if (size > c.maxFileSize) e.errors.push({ code: "too_large", message: `Too large: at most ${mb(c.maxFileSize)}` });
      if (!e.errors.length && c.entries.filter((x) => !x.errors.length).length >= c.maxEntries) {
        e.errors.push({ code: "too_many_files", message: `Too many files: at most ${c.maxEntries}` });
      }
      c.entries.push(e);
      if (!e.errors.length) asks.push([ref, 0, Math.min(c.chunkSize, size)]);
    }
    this.emit();
    return asks;
  }

  /**
   * A chunk for entry `ref` arrived: appends it to the entry's temporary file and returns the
   * next request (length 0 once the file is complete or the entry was refused), or undefined
   * for an entry that is gone (cancelled, consumed), whose chunk is dropped unread. More bytes
   * than the entry declared refuse the entry (`too_large`) and delete what was stored.
   */
  async chunk(ref: number, data: string): Promise<ChunkRequest | undefined> {
    const found = this.find(ref);
    if (!found || this.disposed) return undefined;
    const [c, e] = found;
    if (e.errors.length || e.received === e.size) return undefined;
    const fail = (code: UploadErrorCode, message: string): ChunkRequest => {
      e.errors.push({ code, message });
      this.remove(e);
      this.emit();
      return [ref, e.received, 0];
    };
    // a lie about the size: 4 base64 characters hold 3 bytes, so this is known before decoding
    if (Math.floor((data.length * 3) / 4) - (data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0) > e.size - e.received) {
      return fail("too_large", `Too large: more bytes than the ${mb(e.size)} declared`);
    }
    if (!data || !BASE64.test(data)) return fail("bad_chunk", "The upload failed");
    const bytes = Buffer.from(data, "base64");
    if (bytes.length > e.size - e.received) return fail("too_large", `Too large: more bytes than the ${mb(e.size)} declared`);
    try {
      await appendFile(await this.file(e), bytes);
    } catch {
      return fail("bad_chunk", "The upload failed");
    }
    if (this.disposed) return void this.remove(e); // the view left while writing
    e.received += bytes.length;
    const progress = Math.floor((e.received * 100) / e.size);
    if (progress !== e.progress) {
      e.progress = progress;
      this.emit();
    }
    return [ref, e.received, Math.min(c.chunkSize, e.size - e.received)];
  }

  /** Removes entry `ref` of upload `name` and its file; returns whether there was one. */
  cancel(name: string, ref: number): boolean {
    const c = this.configs.get(name);
    const e = c?.entries.find((x) => x.ref === ref);
    if (!c || !e) return false;
    c.entries = c.entries.filter((x) => x !== e);
    this.remove(e);
    this.emit();
    return true;
  }

  /**
   * Calls `fn(entry, path)` for every complete entry of `name`, then deletes its file and
   * the entry; returns what `fn` returned, in entry order. Entries still uploading stay.
   * @throws whatever `fn` throws (that entry and the ones after it stay)
   */
  async consume<T>(name: string, fn: (entry: UploadEntry, path: string) => T | Promise<T>): Promise<T[]> {
    const c = this.configs.get(name);
    if (!c) return [];
    const out: T[] = [];
    try {
      for (const entry of this.state()[name]!.entries) {
        const e = c.entries.find((x) => x.ref === entry.ref);
        if (!entry.done || !e) continue;
        // an empty file never got a chunk: it is an empty file all the same
        const path = await this.file(e);
        if (!e.size) await appendFile(path, Buffer.alloc(0));
        out.push(await fn(entry, path));
        c.entries = c.entries.filter((x) => x !== e);
        this.remove(e);
      }
    } finally {
      this.emit();
    }
    return out;
  }

  /** Deletes every temporary file (the view left). Idempotent. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const dir = this.dir;
    if (dir) await rm(await dir.catch(() => ""), { recursive: true, force: true }).catch(() => {});
  }

  /** The entry's temporary file (in this view's directory, made on first use). */
  private async file(e: Entry): Promise<string> {
    return (e.path ??= join(await (this.dir ??= mkdtemp(join(tmpdir(), "weft-upload-"))), String(e.ref)));
  }

  private find(ref: number): [Config, Entry] | undefined {
    for (const c of this.configs.values()) {
      const e = c.entries.find((x) => x.ref === ref);
      if (e) return [c, e];
    }
    return undefined;
  }

  /** Deletes the entry's temporary file, if it has one: at once, so it is gone when the handler that cancelled it returns. */
  private remove(e: Entry): void {
    const path = e.path;
    e.path = undefined;
    try {
      if (path) rmSync(path, { force: true });
    } catch {}
  }

  private emit(): void {
    this.changed(this.state());
  }
}
