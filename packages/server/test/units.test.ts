import { describe, expect, it } from "vitest";
import { decodeClientFrame as decodeFrame, FrameError } from "../../client/src/codec.js";
import { RateLimiter } from "../src/transport/limits.js";
import { TokenError, TokenSigner } from "../src/live/token.js";
import { ViewRegistry } from "../src/live/registry.js";
import { LiveView } from "../src/index.js";

const SECRET = "unit-secret-unit-secret-unit-secret-unit";

describe("view tokens", () => {
  const signer = new TokenSigner(SECRET, 60_000);
  const claims = { v: "counter", s: "sess", i: "lv-1", p: { objectId: 5 } };

  it("round-trips claims and sets the expiry from the TTL", () => {
    const now = 1_700_000_000_000;
    const got = signer.verify(signer.sign(claims, now), now + 1000);
    expect(got).toEqual({ ...claims, e: Math.floor((now + 60_000) / 1000) });
  });

  it("refuses expired, tampered, truncated and foreign tokens", () => {
    const now = Date.now();
    const t = signer.sign(claims, now);
    expect(() => signer.verify(t, now + 61_000)).toThrow(new TokenError("expired_token"));
    const [body, mac] = t.split(".");
    const flipped = body.slice(0, -2) + (body.at(-2) === "A" ? "B" : "A") + body.at(-1);
    for (const bad of [`${flipped}.${mac}`, `${body}.${mac.slice(1)}`, body, `.${mac}`, "", "x".repeat(9000)]) {
      expect(() => signer.verify(bad, now), bad.slice(0, 20)).toThrow(new TokenError("invalid_token"));
    }
    expect(() => new TokenSigner("z".repeat(40)).verify(t, now)).toThrow(new TokenError("invalid_token"));
    expect(() => signer.verify(42 as unknown, now)).toThrow(TokenError);
  });

  it("accepts only the exact spelling of the MAC (no other base64url spelling of the same bytes)", () => {
    const t = signer.sign(claims);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(t.at(-1)!);
    // the last of 43 characters carries 4 bits; its 2 low bits are padding
    const twin = alphabet[(last & ~3) | ((last + 1) & 3)];
    expect(Buffer.from(t.slice(t.indexOf(".") + 1, -1) + twin, "base64url")).toEqual(Buffer.from(t.slice(t.indexOf(".") + 1), "base64url"));
    expect(() => signer.verify(t.slice(0, -1) + twin)).toThrow(new TokenError("invalid_token"));
    expect(signer.verify(t).v).toBe("counter");
  });

  it("requires a secret of at least 32 characters", () => {
    expect(() => new TokenSigner("short")).toThrow(/32 characters/);
  });
});

describe("frame codec", () => {
  it("decodes every client frame", () => {
    expect(decodeFrame('["h"]')).toEqual({ type: "h" });
    expect(decodeFrame('["j",1,"tok","http://x/",[["save",{"a":"1"}]]]')).toEqual({ type: "j", ref: 1, token: "tok", url: "http://x/", forms: [["save", { a: "1" }]] });
    expect(decodeFrame('["j",2,"tok","/"]')).toMatchObject({ forms: [] });
    expect(decodeFrame('["l",3]')).toEqual({ type: "l", ref: 3 });
    expect(decodeFrame('["e",1,9,"inc",{"by":2}]')).toEqual({ type: "e", ref: 1, seq: 9, name: "inc", payload: { by: 2 } });
    expect(decodeFrame('["e",1,9,"inc"]')).toMatchObject({ payload: {} });
    expect(decodeFrame('["p",1,"/x?page=2"]')).toEqual({ type: "p", ref: 1, url: "/x?page=2" });
  });

  it("refuses malformed frames with a message, keeping the ref and seq it could read", () => {
    const cases: Array<[string, RegExp, number?, number?]> = [
      ["nope", /not JSON/],
      ["{}", /array/],
      ["[1]", /array/],
      ['["e",0,1,"x"]', /view ref/],
      ['["e",1.5,1,"x"]', /view ref/],
      ['["e",1,-1,"x"]', /seq/, 1],
      ['["e",1,2,7]', /event name/, 1, 2],
      ['["e",1,2,"x",[1]]', /payload/, 1, 2],
      ['["e",1,2,"x","str"]', /payload/, 1, 2],
      [`["e",1,2,"${"n".repeat(200)}"]`, /event name/, 1, 2],
      ['["j",1,5,"/"]', /token/, 1],
      ['["j",1,"t","/",{}]', /forms/, 1],
      ['["p",1,null]', /url/, 1],
      ['["q",1]', /unknown frame type/, 1],
    ];
    for (const [text, msg, ref = 0, seq] of cases) {
      let err: FrameError | undefined;
      try {
        decodeFrame(text);
      } catch (e) {
        err = e as FrameError;
      }
      expect(err, text).toBeInstanceOf(FrameError);
      expect(err!.message, text).toMatch(msg);
      expect(err!.ref, text).toBe(ref);
      expect(err!.seq, text).toBe(seq);
    }
  });

  it("refuses payloads nested deeper than 8 levels", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20; i++) deep = { a: deep };
    expect(() => decodeFrame(JSON.stringify(["e", 1, 1, "x", deep]))).toThrow(/nested/);
  });
});

describe("rate limiter", () => {
  it("lets a burst of 2x the rate through, refills over time, and flags abuse", () => {
    const r = new RateLimiter(10);
    const t0 = 1_000_000;
    let passed = 0;
    for (let i = 0; i < 30; i++) if (r.take(t0)) passed++;
    expect(passed).toBe(20);
    expect(r.abusive()).toBe(false);
    expect(r.take(t0 + 100)).toBe(true);
    for (let i = 0; i < 50; i++) r.take(t0 + 100);
    expect(r.abusive()).toBe(true);
  });

  it("counts a large frame as one token per started 8 KiB", () => {
    const r = new RateLimiter(10);
    const t0 = 1_000_000;
    expect(r.take(t0, 8_192)).toBe(true); // 1 token
    expect(r.take(t0, 8_193)).toBe(true); // 2 tokens
    expect(r.take(t0, 60_000)).toBe(true); // 8 tokens: 11 of 20 taken
    expect(r.take(t0, 65_536)).toBe(true); // 8 more: 19 taken
    expect(r.take(t0, 8_193)).toBe(false); // 2 do not fit in the 1 left
    expect(r.take(t0, 1)).toBe(true);
  });

  it("closes a client that keeps sending twice the rate within seconds, never one at the rate", () => {
    const at = (rate: number, perSecond: number, seconds: number) => {
      const r = new RateLimiter(rate);
      for (let i = 0; i < perSecond * seconds; i++) {
        r.take(1_000_000 + (i * 1000) / perSecond);
        if (r.abusive()) return (i * 1000) / perSecond;
      }
      return undefined;
    };
    expect(at(50, 50, 600)).toBeUndefined();
    expect(at(50, 65, 600)).toBeUndefined();
    const t = at(50, 100, 60)!;
    expect(t).toBeGreaterThan(2_000);
    expect(t).toBeLessThan(15_000);
  });
});

describe("view registry", () => {
  it("names views in kebab-case or by static id and refuses duplicates", () => {
    class OrdersToday extends LiveView {
      mount() {}
    }
    class Other extends LiveView {
      static id = "orders-today";
      mount() {}
    }
    const reg = new ViewRegistry();
    expect(reg.register(OrdersToday)).toBe("orders-today");
    expect(reg.register(OrdersToday)).toBe("orders-today");
    expect(reg.get("orders-today")).toBe(OrdersToday);
    expect(() => reg.register(Other)).toThrow(/two views registered as "orders-today"/);
  });
});
