// Bundles the browser runtime (src/index.ts + morphdom) into dist/weft.js (minified IIFE)
// and dist/weft.mjs (minified ESM), and the upload chunk (src/upload.ts, which the runtime
// imports only on pages with an `lv-upload` input) into dist/upload.js (minified ESM), and
// prints each file's gzip -9 size.
// Budgets: 6,144 bytes gzip -9 for each runtime file (issue 12: navigation, components, streams, JS commands), morphdom and its license notice
// included; 2,048 bytes for the upload chunk.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));

/**
 * morphdom is bundled, so the bundle carries its notice: name, version, the copyright
 * line exactly as its LICENSE has it, and the license's name (the short form, as minified
 * libraries do; the full text would cost about 600 B of the 6,144 B budget). morphdom's
 * sources have no license comment for esbuild's `legalComments` to keep, hence a banner.
 * About 75 B gzip -9.
 * @throws when morphdom's LICENSE is no longer the MIT license with a copyright line
 */
function morphdomNotice() {
  const pkg = createRequire(`${dir}/package.json`).resolve("morphdom/package.json");
  const { version } = JSON.parse(readFileSync(pkg, "utf8"));
  const license = readFileSync(pkg.replace(/package\.json$/, "LICENSE"), "utf8");
  const copyright = license.match(/^Copyright .*$/m)?.[0].trim();
  if (!license.startsWith("The MIT License") || !copyright) throw new Error("morphdom's LICENSE changed: check the notice in build.mjs");
  return `/*! morphdom ${version} | ${copyright} | MIT License */`;
}
const banner = morphdomNotice();

/** The protocol's string constants (`A_CLICK` → "lv-click" …), read from src/protocol.ts. */
const { outputFiles } = await build({ absWorkingDir: dir, entryPoints: ["src/protocol.ts"], bundle: true, format: "esm", write: false });
const strings = Object.entries(await import(`data:text/javascript,${encodeURIComponent(outputFiles[0].text)}`)).filter(([, v]) => typeof v == "string");

/**
 * esbuild inlines only very short string constants across modules, so each attribute name
 * ("lv-click" …) would stay a variable the bundle declares once and names everywhere. This
 * plugin writes the protocol's string constants into the runtime's sources as literals
 * (`${A_VIEW}` → `${"lv-view"}`, which esbuild folds) and drops them from the imports:
 * gzip -9 finds the repeats, which costs less than the declarations (about 115 B).
 * protocol.ts keeps its exports (the server imports them); codec.ts and its codec-*.ts parts are
 * left alone (their frame types say `typeof C_JOIN`).
 */
const inlineProtocol = {
  name: "inline-protocol",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/][\w-]+\.ts$/ }, ({ path }) => {
      if (/(protocol|codec(-[\w-]+)?)\.ts$/.test(path)) return;
      let src = readFileSync(path, "utf8").replace(/import \{([^}]*)\} from "\.\/protocol\.js";/, (_, names) => {
        const keep = names.split(",").map((n) => n.trim()).filter((n) => n && !strings.some(([k]) => k == n || `type ${k}` == n));
        return keep.length ? `import { ${keep.join(", ")} } from "./protocol.js";` : "";
      });
      for (const [k, v] of strings) src = src.replace(new RegExp(`\\b${k}\\b`, "g"), JSON.stringify(v));
      return { contents: src, loader: "ts" };
    });
  },
};
/**
 * morphdom handles more than the runtime gives it: it turns a string `toNode` into elements
 * (`toElement`: template, range or wrapper parsing), takes a fragment's first element,
 * `actualize`s virtual nodes (marko's) and checks they have `isSameNode`, morphs from a text
 * or comment node, compares tag names case-insensitively (for virtual nodes), and reads eleven
 * options. The runtime always morphs a DOM element to a DOM element that this document's HTML
 * parser made (morph.ts, streams.ts) and sets four options, so the bundle leaves the rest out:
 * those tests become `false`, the unset options their defaults, and esbuild drops the dead
 * branches and the helpers only they used (about 320 B gzip -9).
 * @throws when morphdom's source no longer has one of the pieces (a new morphdom version: check them)
 */
const CHANGED = "morphdom's source changed: check the morphdom-elements-only plugin in build.mjs";
const morphdomTrim = {
  name: "morphdom-elements-only",
  setup(b) {
    b.onLoad({ filter: /morphdom-esm\.js$/ }, ({ path }) => {
      let out = readFileSync(path, "utf8");
      for (const [from, to] of [
        ["typeof toNode === 'string'", "false"],
        ["toNode.nodeType === DOCUMENT_FRAGMENT_NODE$1", "false"],
        ["var toNodeHtml = toNode;", ""],
        // both trees come from this document's HTML parser: the same element has the same nodeName
        ["if (fromNodeName === toNodeName) {\n        return true;\n    }", "return fromNodeName === toNodeName;"],
        // virtual nodes may lack isSameNode, DOM nodes have it
        ["toNode.isSameNode && ", ""],
        ["curToNodeChild.isSameNode && ", ""],
        ["if (curToNodeChild.actualize)", "if (false)"],
        ["if (morphedNode.actualize)", "if (false)"],
        // a stream item's morph starts from an element, never a text or comment node
        ["morphedNodeType === TEXT_NODE || morphedNodeType === COMMENT_NODE", "false"],
        // a browser bundle: the document is there
        ["typeof document === 'undefined' ? undefined : document", "document"],
        ["!!doc && 'content' in doc.createElement('template')", "0"],
        ["!!doc && doc.createRange && 'createContextualFragment' in doc.createRange()", "0"],
      ]) {
        if (!out.includes(from)) throw new Error(CHANGED);
        out = out.replace(from, to);
      }
      // the options the runtime never sets: their defaults, unread
      let n = 0;
      out = out.replace(/options\.(getNodeKey|onBeforeNodeAdded|onNodeAdded|onElUpdated|onNodeDiscarded|skipFromChildren|addChild) \|\| /g, () => (n++, ""));
      if (n != 7) throw new Error(CHANGED);
      // and the calls of the ones whose default does nothing (noop) or appends: gone, or inlined
      for (const [re, to, count] of [
        [/^\s*(onNodeDiscarded\((curChild|node|fromNode)\)|onNodeAdded\(el\)|onElUpdated\(fromEl\));$/gm, "", 6],
        [/skipFromChildren\(fromEl, toEl\)/g, "false", 1],
        [/addChild\(fromEl, (\w+)\)/g, "fromEl.appendChild($1)", 2],
        [/^\s*var (onBeforeNodeAdded|onNodeAdded|onElUpdated|onNodeDiscarded|skipFromChildren|addChild) = .*$/gm, "", 6],
        [/var skipFrom = false;|!skipFrom && |if\(!skipFrom\)/g, "", 3],
        // the runtime's onBeforeElUpdated returns a boolean, never an element to morph instead
        [/else if \(beforeUpdateResult instanceof HTMLElement\) \{[^}]*\}/g, "", 1],
        // both nodes are elements, never fragments (which have no attributes)
        [/toNode\.nodeType === DOCUMENT_FRAGMENT_NODE \|\| fromNode\.nodeType === DOCUMENT_FRAGMENT_NODE/g, "false", 1],
        [/var onBeforeNodeAddedResult = onBeforeNodeAdded\(curToNodeChild\);\s*if \(onBeforeNodeAddedResult !== false\) \{\s*if \(onBeforeNodeAddedResult\) \{\s*curToNodeChild = onBeforeNodeAddedResult;\s*\}/g, "{", 1],
      ]) {
        let k = 0;
        out = out.replace(re, (...m) => (k++, to.replace("$1", m[1])));
        if (k != count) throw new Error(`${CHANGED} (${re})`);
      }
      return { contents: out, loader: "js" };
    });
  },
};

/**
 * morphdom's option names, which only the runtime's `morphdom(…, options)` calls and morphdom's
 * own code (both in the bundle) use: esbuild shortens them on both sides (about 50 B). No
 * DOM, wire or hook name is in the list.
 */
const MORPHDOM_OPTIONS = /^(onBeforeElUpdated|onBeforeNodeDiscarded|onBeforeElChildrenUpdated|childrenOnly)$/;
const LIMIT = 6144;
const UPLOAD_LIMIT = 2048;
const outputs = [
  ["iife", "dist/weft.js", "src/index.ts", LIMIT, banner],
  ["esm", "dist/weft.mjs", "src/index.ts", LIMIT, banner],
  ["esm", "dist/upload.js", "src/upload.ts", UPLOAD_LIMIT, ""],
];

let over = false;
for (const [format, outfile, entry, limit, banner] of outputs) {
  await build({
    absWorkingDir: dir,
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format,
    target: "es2020",
    platform: "browser",
    legalComments: "none",
    plugins: [inlineProtocol, morphdomTrim],
    mangleProps: MORPHDOM_OPTIONS,
    banner: { js: banner },
    outfile,
  });
  const size = gzipSync(readFileSync(`${dir}/${outfile}`), { level: 9 }).length;
  over ||= size > limit;
  console.log(`${outfile}: ${size} B gzip -9${size > limit ? ` (over the ${limit} B budget)` : ""}`);
}
if (over) process.exitCode = 1;
