// Writes the CommonJS copy of api.js: drops `export` from its top-level
// declarations and lists them in module.exports. api.js imports nothing, so
// nothing else changes; anything it does not expect is an error.
import { readFileSync, writeFileSync } from "node:fs";

const [source, target] = process.argv.slice(2);
const text = readFileSync(source, "utf8");
const names = [];
const body = text.replace(/^export (class|function|const) ([A-Za-z_$][\w$]*)/gm, (_, kind, name) => {
  names.push(name);
  return `${kind} ${name}`;
});
if (/^\s*(import|export)\b/m.test(body)) throw new Error(`${source}: unexpected import or export left`);
if (names.length === 0) throw new Error(`${source}: no exports found`);
writeFileSync(target, `"use strict";\n// Generated from api.js by to-cjs.mjs.\n${body}\nmodule.exports = { ${names.join(", ")} };\n`);
