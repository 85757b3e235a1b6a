// The wire codec: every frame a constructor builds is read back by the decoders with the
// same fields, and the decoders refuse what is not a documented frame.
import { describe, expect, it } from "vitest";
import {
  answeredSeq, decodeClientFrame, decodeServerFrame, encodeFrame, errorFrame, eventFrame, FrameError, heartbeatFrame,
  htmlAfter, isReply, joinFrame, leaveFrame, paramsFrame, patchFrame, pushFrame, redirectFrame, renderedFrame,
  replyFrame, updateFrame,
} from "../src/codec.js";

describe("client frames", () => {
  it("are built by the constructors and read back by decodeClientFrame", () => {
    const cases = [
      [joinFrame(1, "tok", "http://x/"), '["j",1,"tok","http://x/"]', { type: "j", ref: 1, token: "tok", url: "http://x/", forms: [] }],
      [joinFrame(2, "tok", "/", [["save", { a: "1" }]]), '["j",2,"tok","/",[["save",{"a":"1"}]]]', { type: "j", ref: 2, token: "tok", url: "/", forms: [["save", { a: "1" }]] }],
      [joinFrame(3, "tok", "/", []), '["j",3,"tok","/",[]]', { type: "j", ref: 3, token: "tok", url: "/", forms: [] }],
      [leaveFrame(3), '["l",3]', { type: "l", ref: 3 }],
      [eventFrame(1, 9, "inc", { by: 2 }), '["e",1,9,"inc",{"by":2}]', { type: "e", ref: 1, seq: 9, name: "inc", payload: { by: 2 } }],
      [eventFrame(1, 10, "add", {}, "cart"), '["e",1,10,"add",{},"cart"]', { type: "e", ref: 1, seq: 10, name: "add", payload: {}, target: "cart" }],
      [eventFrame(1, 11, "add", {}, null), '["e",1,11,"add",{}]', { type: "e", ref: 1, seq: 11, name: "add", payload: {} }],
      [paramsFrame(1, "/x?page=2"), '["p",1,"/x?page=2"]', { type: "p", ref: 1, url: "/x?page=2" }],
      [heartbeatFrame(), '["h"]', { type: "h" }],
    ] as const;
    for (const [frame, text, message] of cases) {
      expect(encodeFrame(frame)).toBe(text);
      expect(decodeClientFrame(text)).toEqual(message);
    }
  });

  it("decodeClientFrame refuses malformed frames with a FrameError naming the ref and seq", () => {
    const refused = (text: string) => {
      try {
        decodeClientFrame(text);
      } catch (e) {
        expect(e).toBeInstanceOf(FrameError);
        return e as FrameError;
      }
      throw new Error(`accepted ${text}`);
    };
    expect(refused("nope").message).toBe("frame is not JSON");
    expect(refused('{"a":1}').message).toMatch(/array/);
    expect(refused('["e",0,1,"x",{}]').message).toMatch(/ref/);
    expect(refused('["z",4]')).toMatchObject({ ref: 4 });
    expect(refused(`["e",2,7,"${"x".repeat(129)}",{}]`)).toMatchObject({ ref: 2, seq: 7 });
    expect(refused('["e",2,7,"x",[1]]')).toMatchObject({ ref: 2, seq: 7 });
    // the event target (a component id): a non-empty string of at most 128 characters, nothing after it
    expect(refused('["e",2,7,"x",{},5]')).toMatchObject({ ref: 2, seq: 7, message: expect.stringMatching(/target/) });
    expect(refused('["e",2,7,"x",{},""]')).toMatchObject({ ref: 2, seq: 7, message: expect.stringMatching(/target/) });
    expect(refused(`["e",2,7,"x",{},"${"c".repeat(129)}"]`)).toMatchObject({ ref: 2, seq: 7, message: expect.stringMatching(/target/) });
    expect(refused('["e",2,7,"x",{},"c",1]')).toMatchObject({ ref: 2, seq: 7, message: expect.stringMatching(/too many/) });
  });
});

describe("server frames", () => {
  it("are built by the constructors and read back by decodeServerFrame", () => {
    const cases = [
      [renderedFrame(1, "<p>a</p>"), '["r",1,"<p>a</p>"]', { type: "r", ref: 1, html: "<p>a</p>" }],
      [updateFrame(1, "<p>b</p>"), '["r",1,"<p>b</p>"]', { type: "r", ref: 1, html: "<p>b</p>" }],
      [updateFrame(1, [3, 1, "c"]), '["d",1,[3,1,"c"]]', { type: "d", ref: 1, delta: [3, 1, "c"] }],
      [replyFrame(1, 3), '["a",1,3]', { type: "a", ref: 1, seq: 3 }],
      [replyFrame(1, 3, [57, 1, "6"]), '["ad",1,3,[57,1,"6"]]', { type: "ad", ref: 1, seq: 3, delta: [57, 1, "6"] }],
      [replyFrame(1, 3, "<p>6</p>"), '["ar",1,3,"<p>6</p>"]', { type: "ar", ref: 1, seq: 3, html: "<p>6</p>" }],
      [replyFrame(1, 3, undefined, { ok: 1 }), '["a",1,3,{"ok":1}]', { type: "a", ref: 1, seq: 3, reply: { ok: 1 } }],
      [replyFrame(1, 3, "<p>6</p>", { id: "x" }), '["ar",1,3,"<p>6</p>",{"id":"x"}]', { type: "ar", ref: 1, seq: 3, html: "<p>6</p>", reply: { id: "x" } }],
      [replyFrame(1, 3, [57, 1, "6"], {}), '["ad",1,3,[57,1,"6"],{}]', { type: "ad", ref: 1, seq: 3, delta: [57, 1, "6"], reply: {} }],
      [patchFrame(2, "/x?q=1", false), '["t",2,"/x?q=1",0]', { type: "t", ref: 2, url: "/x?q=1", replace: false }],
      [patchFrame(2, "/x", true), '["t",2,"/x",1]', { type: "t", ref: 2, url: "/x", replace: true }],
      [redirectFrame(2, "/login"), '["x",2,"/login"]', { type: "x", ref: 2, url: "/login" }],
      [pushFrame(2, "ping", { n: 1 }), '["u",2,"ping",{"n":1}]', { type: "u", ref: 2, event: "ping", payload: { n: 1 } }],
      [errorFrame(0, "bad_frame", "frame is not JSON"), '["!",0,"bad_frame","frame is not JSON"]', { type: "!", ref: 0, code: "bad_frame", message: "frame is not JSON" }],
      [errorFrame(1, "server_error", "something went wrong", 4), '["!",1,"server_error","something went wrong",4]', { type: "!", ref: 1, code: "server_error", message: "something went wrong", seq: 4 }],
      [heartbeatFrame(), '["h"]', { type: "h" }],
    ] as const;
    for (const [frame, text, message] of cases) {
      expect(encodeFrame(frame)).toBe(text);
      expect(decodeServerFrame(text)).toEqual(message);
      expect(decodeServerFrame(JSON.parse(text))).toEqual(message);
    }
  });

  it("decodeServerFrame refuses undocumented layouts", () => {
    for (const bad of [
      "nope", "{}", '["h",1]', '["r",0,"x"]', '["r",1]', '["r",1,"x",2]', '["d",1,"x"]', '["d",1,[{}]]',
      '["a",1]', '["a",1,0]', '["a",1,2,"<p>"]', '["a",1,2,[1,0,"x"]]', '["ar",1,2]', '["ar",1,2,[1,0,"x"]]',
      '["ad",1,2,"<p>"]', '["ad",0,2,[]]', '["t",1,"/x",2]', '["x",1]', '["u",1,"e",[]]',
      '["!",1,"code"]', '["!",1,"code","message",0]', '["?",1]', '["!",-1,"c","m"]',
      '["a",1,2,{},1]', '["a",1,2,null]', '["ar",1,2,"x",[]]', '["ar",1,2,"x","y"]', '["ad",1,2,[],{},{}]',
    ]) {
      expect(() => decodeServerFrame(bad), bad).toThrow(FrameError);
    }
  });

  it("htmlAfter rebuilds the view's HTML from renders, deltas and replies", () => {
    const old = "<p>5</p>";
    expect(htmlAfter(decodeServerFrame(renderedFrame(1, "<i>x</i>")), old)).toBe("<i>x</i>");
    expect(htmlAfter(decodeServerFrame(updateFrame(1, [3, 1, "6"])), old)).toBe("<p>6</p>");
    expect(htmlAfter(decodeServerFrame(replyFrame(1, 1, [3, 1, "7"])), old)).toBe("<p>7</p>");
    expect(htmlAfter(decodeServerFrame(replyFrame(1, 1, "<b>8</b>")), old)).toBe("<b>8</b>");
    expect(htmlAfter(decodeServerFrame(replyFrame(1, 1)), old)).toBeUndefined();
    expect(htmlAfter(decodeServerFrame(patchFrame(1, "/", false)), old)).toBeUndefined();
  });

  it("answeredSeq and isReply tell which event a frame answers", () => {
    const seqOf = (f: Parameters<typeof decodeServerFrame>[0]) => answeredSeq(decodeServerFrame(f));
    expect([replyFrame(1, 4), replyFrame(1, 5, "x"), replyFrame(1, 6, [0, 1, ""])].map(seqOf)).toEqual([4, 5, 6]);
    expect(seqOf(errorFrame(1, "unknown_event", "no", 7))).toBe(7);
    expect(seqOf(errorFrame(1, "unknown_view", "no"))).toBeUndefined();
    expect(seqOf(updateFrame(1, "x"))).toBeUndefined();
    expect(isReply(decodeServerFrame(replyFrame(1, 5, "x")))).toBe(true);
    expect(isReply(decodeServerFrame(errorFrame(1, "server_error", "no", 5)))).toBe(false);
  });

  it("a counter's reply is at most 26 bytes", () => {
    expect(encodeFrame(replyFrame(1, 3, [57, 1, "6"]))).toBe('["ad",1,3,[57,1,"6"]]');
    expect(encodeFrame(replyFrame(1, 99, [57, 1, "6"])).length).toBeLessThanOrEqual(26);
  });
});
