// The upload frames of the wire codec: `upload` and `chunk` (client → server), `next chunk`
// (server → client), built by their constructors, read back, and refused when malformed.
import { describe, expect, it } from "vitest";
import { chunkFrame, chunkNextFrame, decodeClientFrame, decodeServerFrame, encodeFrame, FrameError, uploadFrame } from "../src/codec.js";

const refused = (read: () => unknown) => {
  try {
    read();
  } catch (e) {
    expect(e).toBeInstanceOf(FrameError);
    return e as FrameError;
  }
  throw new Error("accepted");
};

describe("upload frames", () => {
  it("are built by the constructors and read back", () => {
    const up = uploadFrame(2, "avatar", [[1, "me.png", 1234, "image/png"], [2, "empty", 0, ""]]);
    expect(encodeFrame(up)).toBe('["f",2,"avatar",[[1,"me.png",1234,"image/png"],[2,"empty",0,""]]]');
    expect(decodeClientFrame(encodeFrame(up))).toEqual({ type: "f", ref: 2, name: "avatar", files: [[1, "me.png", 1234, "image/png"], [2, "empty", 0, ""]] });
    expect(decodeClientFrame(encodeFrame(chunkFrame(2, 1, "AAEC")))).toEqual({ type: "c", ref: 2, entry: 1, data: "AAEC" });
    expect(encodeFrame(chunkNextFrame(2, 1, 32768, 100))).toBe('["k",2,1,32768,100]');
    expect(decodeServerFrame(chunkNextFrame(2, 1, 32768, 0))).toEqual({ type: "k", ref: 2, entry: 1, offset: 32768, length: 0 });
  });

  it("refuses malformed upload and chunk frames, naming the view", () => {
    const client = (f: unknown[]) => refused(() => decodeClientFrame(JSON.stringify(f)));
    expect(client(["f", 3, "a", {}])).toMatchObject({ ref: 3, message: "upload files must be an array of at most 64" });
    expect(client(["f", 3, "a", Array.from({ length: 65 }, (_, i) => [i + 1, "x", 1, ""])]).message).toMatch(/at most 64/);
    expect(client(["f", 3, "a", [[0, "x", 1, ""]]]).message).toBe("upload files must be [entry, name, size, type]");
    expect(client(["f", 3, "a", [[1, "x", -1, ""]]]).message).toBe("upload files must be [entry, name, size, type]");
    expect(client(["f", 3, "a", [[1, "x", 1.5, ""]]]).message).toBe("upload files must be [entry, name, size, type]");
    expect(client(["f", 3, "a", [[1, "x".repeat(256), 1, ""]]]).message).toMatch(/file name must be a string of at most 255/);
    expect(client(["f", 3, 7, []]).message).toMatch(/upload name must be a string/);
    expect(client(["c", 3, 0, "AA"]).message).toMatch(/chunk must be/);
    expect(client(["c", 3, 1, 5]).message).toMatch(/chunk must be/);
    const server = (f: unknown[]) => refused(() => decodeServerFrame(f));
    expect(server(["k", 1, 1, -1, 4]).message).toMatch(/bad next chunk frame/);
    expect(server(["k", 1, 1, 0]).message).toMatch(/bad next chunk frame/);
    expect(server(["k", 1, 0, 0, 4]).message).toMatch(/bad next chunk frame/);
  });
});
