// The live-navigation frames (issue 12): `navigate` (client), `g`, `m` and `ti` (server),
// built by their constructors, read back with the same fields, and refused when malformed.
import { describe, expect, it } from "vitest";
import {
  decodeClientFrame, decodeServerFrame, encodeFrame, FrameError, goFrame, htmlAfter, mountedFrame, navigateFrame, titleFrame,
} from "../src/codec.js";

describe("live navigation frames", () => {
  it("navigate is built and read back", () => {
    const f = navigateFrame(1, 2, "/admin/shop/order/");
    expect(encodeFrame(f)).toBe('["n",1,2,"/admin/shop/order/"]');
    expect(decodeClientFrame(encodeFrame(f))).toEqual({ type: "n", ref: 1, next: 2, url: "/admin/shop/order/" });
  });

  it("decodeClientFrame refuses a navigate without a fresh ref or a URL, naming the ref", () => {
    for (const bad of ['["n",1,1,"/x"]', '["n",1,0,"/x"]', '["n",1,"2","/x"]', '["n",1,2]', '["n",1,2,5]', `["n",1,2,"${"x".repeat(4097)}"]`, '["n",1,2,"/x",0]']) {
      let err: unknown;
      try {
        decodeClientFrame(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(FrameError);
      expect((err as FrameError).ref, bad).toBe(1);
    }
  });

  it("the server's g, m and ti frames are built and read back", () => {
    const cases = [
      [goFrame(3, "/b?x=1", false), '["g",3,"/b?x=1",0]', { type: "g", ref: 3, url: "/b?x=1", replace: false }],
      [goFrame(3, "/b", true), '["g",3,"/b",1]', { type: "g", ref: 3, url: "/b", replace: true }],
      [mountedFrame(4, "<p>b</p>", "Orders", "lv-x", "orders", "tok"), '["m",4,"<p>b</p>","Orders","lv-x","orders","tok"]',
        { type: "m", ref: 4, html: "<p>b</p>", title: "Orders", id: "lv-x", view: "orders", token: "tok" }],
      [titleFrame(4, "3 new"), '["ti",4,"3 new"]', { type: "ti", ref: 4, title: "3 new" }],
    ] as const;
    for (const [frame, text, message] of cases) {
      expect(encodeFrame(frame)).toBe(text);
      expect(decodeServerFrame(text)).toEqual(message);
    }
    expect(htmlAfter(decodeServerFrame(mountedFrame(4, "<p>b</p>", "", "i", "v", "t")), "<p>a</p>")).toBe("<p>b</p>");
  });

  it("decodeServerFrame refuses undocumented navigation layouts", () => {
    for (const bad of ['["g",1,"/x"]', '["g",1,"/x",2]', '["g",0,"/x",0]', '["m",1,"<p>","t","i","v"]', '["m",1,"<p>","t","i","v",5]', '["ti",1]', '["ti",1,3]']) {
      expect(() => decodeServerFrame(bad), bad).toThrow(FrameError);
    }
  });
});
