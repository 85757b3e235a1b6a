// The stream frame (`s`): built by streamFrame, read back by decodeServerFrame with the same
// fields, and every malformed layout refused.
import { describe, expect, it } from "vitest";
import { decodeServerFrame, encodeFrame, FrameError, htmlAfter, streamFrame } from "../src/codec.js";

describe("stream frames", () => {
  it("are built by streamFrame and read back with named fields", () => {
    const f = streamFrame(3, "rows", true, ["rows-1"], [["rows-2", -1, "<li>b</li>"], ["rows-3", 0, "<li>c</li>", -10]]);
    const text = encodeFrame(f);
    expect(text).toBe('["s",3,"rows",1,["rows-1"],[["rows-2",-1,"<li>b</li>"],["rows-3",0,"<li>c</li>",-10]]]');
    expect(decodeServerFrame(text)).toEqual({
      type: "s", ref: 3, name: "rows", reset: true, deletes: ["rows-1"],
      inserts: [["rows-2", -1, "<li>b</li>"], ["rows-3", 0, "<li>c</li>", -10]],
    });
    expect(decodeServerFrame(encodeFrame(streamFrame(1, "s", false, [], [])))).toEqual({ type: "s", ref: 1, name: "s", reset: false, deletes: [], inserts: [] });
    // a stream frame carries no render
    expect(htmlAfter(decodeServerFrame(text), "<p>old</p>")).toBeUndefined();
  });

  it("one inserted row is a small frame", () => {
    const text = encodeFrame(streamFrame(1, "rows", false, [], [["rows-10001", -1, '<li id="rows-10001">row 10001</li>']]));
    expect(text.length).toBeLessThanOrEqual(80);
  });

  it("decodeServerFrame refuses malformed stream frames", () => {
    const bad = [
      '["s",1,"rows",0,[]]', // no inserts
      '["s",1,"rows",0,[],[],1]', // extra field
      '["s",0,"rows",0,[],[]]', // ref 0
      '["s",1,"",0,[],[]]', // empty name
      '["s",1,7,0,[],[]]', // name not a string
      '["s",1,"rows",2,[],[]]', // reset not 0/1
      '["s",1,"rows",true,[],[]]',
      '["s",1,"rows",0,[1],[]]', // delete id not a string
      '["s",1,"rows",0,[""],[]]', // empty delete id
      '["s",1,"rows",0,"x",[]]',
      '["s",1,"rows",0,[],[["a",-2,"<li>"]]]', // at below -1
      '["s",1,"rows",0,[],[["a",1.5,"<li>"]]]', // at not an integer
      '["s",1,"rows",0,[],[["",0,"<li>"]]]', // empty dom id
      '["s",1,"rows",0,[],[["a",0,5]]]', // html not a string
      '["s",1,"rows",0,[],[["a",0,"<li>",0]]]', // limit 0
      '["s",1,"rows",0,[],[["a",0,"<li>",1,2]]]', // extra insert field
      '["s",1,"rows",0,[],[["a",0]]]', // short insert
      '["s",1,"rows",0,[],{}]',
    ];
    for (const text of bad) expect(() => decodeServerFrame(text), text).toThrow(FrameError);
  });
});
