// Writes the CommonJS copy of api.js or verify-api.js: drops `export` from
// their top-level declarations and lists them in module.exports; an
// `import { names } from "./X.js"` (verify-api.js's of api.js) becomes
// `const { names } = require("./X.cjs")`. Anything else it does not expect
// is an error.
import { readFileSync, writeFileSync } from "node:fs";

const [source, target] = process.argv.slice(2);
const text = readFileSync(source, "utf8");
const names = [];
const body = text
  .replace(/^import \{([^}]*)\} from "\.\/([\w-]+)\.js";$/gm, (_, list, file) => {
    const imported = list.split(",").map((n) => n.trim()).filter(Boolean);
    return `const { ${imported.join(", ")} } = require("./${file}.cjs");`;
  })
  .replace(/^export (class|function|const|async function) ([A-Za-z_$][\w$]*)/gm, (_, kind, name) => {
    names.push(name);
    return `${kind} ${name}`;
  });
if (/^\s*(import|export)\b/m.test(body)) throw new Error(`${source}: unexpected import or export left`);
if (names.length === 0) throw new Error(`${source}: no exports found`);
const base = source.split("/").pop();
writeFileSync(target, `"use strict";\n// Generated from ${base} by to-cjs.mjs.\n${body}\nmodule.exports = { ${names.join(", ")} };\n`);
