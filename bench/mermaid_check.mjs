// Parse every Mermaid chart of a generated site with Mermaid's own parser (prints numbers;
// not a test: the suite has no network, and Mermaid comes from the npm registry).
//
//     npm install --prefix /tmp/mm mermaid@11 jsdom
//     cp bench/mermaid_check.mjs /tmp/mm/ && node /tmp/mm/mermaid_check.mjs docs/reference/**/*.md
//
// The script must sit beside the node_modules holding mermaid and jsdom (ES module imports
// ignore NODE_PATH). A file ending in .mmd is one chart; in Markdown, every ```mermaid block
// is. Exit 1 on any chart Mermaid refuses. Results: docs/benchmarks.md.
import { JSDOM } from "jsdom";
import fs from "fs";
const dom = new JSDOM("<!doctype html><html><body></body></html>", { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
globalThis.DOMParser = dom.window.DOMParser;
globalThis.Element = dom.window.Element;
globalThis.HTMLElement = dom.window.HTMLElement;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
let bad = 0, total = 0;
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, "utf8");
  const blocks = [...text.matchAll(/```mermaid\n([\s\S]*?)\n```/g)].map(m => m[1]);
  for (const b of (file.endsWith(".mmd") ? [text] : blocks)) {
    total++;
    try { await mermaid.parse(b); } catch (e) { bad++; if (bad < 6) console.log(file, String(e).slice(0, 300)); }
  }
}
console.log(`mermaid parse: ${total} charts, ${bad} bad`);
process.exit(bad ? 1 : 0);
