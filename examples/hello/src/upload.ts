import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { LiveView, on } from "@weft/server";
import { z } from "zod";

/** A file the server received: what the page lists after "Upload". */
type Saved = { name: string; size: number; sha256: string };

/**
 * Upload up to two small images or text files: choose or drop them, watch each one's progress,
 * cancel one, and "Upload" hands the complete ones to the server (which here only hashes them).
 */
export class Upload extends LiveView<{ saved: Saved[] }> {
  static template = "upload.eta";
  static title = "Upload";
  mount() {
    // the limits are checked on the server before a byte is stored; refused files show their errors
    this.allowUpload("photos", { accept: [".png", ".jpg", ".jpeg", ".txt"], maxEntries: 2, maxFileSize: 1_000_000 });
    return { saved: [] };
  }
  events = {
    // the form's lv-change: nothing to check beside what the upload's limits check
    validate: () => {},
    "cancel-upload": on(z.object({ ref: z.string().max(20) }), ({ ref }) => void this.cancelUpload("photos", ref)),
    save: async () => {
      const saved = await this.consumeUploadedEntries("photos", async (entry, path) => {
        // the temporary file is deleted once this returns: a real app copies it somewhere
        const bytes = await readFile(path);
        return { name: entry.name, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
      });
      this.assign({ saved: [...saved, ...this.assigns.saved].slice(0, 20) });
    },
  };
}
