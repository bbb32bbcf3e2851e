// A real browser: Debian's Chromium, headless, driven by playwright-core,
// loads a page from a localhost server; the page imports the package (the
// browser entry, web.js), calls init(), makes the token of a shared vector and
// posts it back; the token must carry the vector's signature.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";
import { pkg, vectors, vectorOptions, signatureOf } from "./helpers.mjs";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };

test("Chromium: the page makes the vector's token", async () => {
  const vector = vectors[0];
  let resolveResult;
  const result = new Promise((r) => (resolveResult = r));
  const page = `<!doctype html><script type="module">
    import { init, generateToken, inspect, InvalidInputError } from "/pkg/web.js";
    const options = ${JSON.stringify(vectorOptions(vector))};
    let out;
    try {
      await init();
      const token = generateToken(options);
      let code = null;
      try { generateToken({ ...options, identity: "nope" }); } catch (e) { code = e instanceof InvalidInputError ? e.code : String(e); }
      out = { token, identity: inspect(token).identity, code, ua: navigator.userAgent };
    } catch (e) { out = { error: String(e && e.stack || e) }; }
    await fetch("/result", { method: "POST", body: JSON.stringify(out) });
  </script>`;
  const server = createServer(async (req, res) => {
    if (req.method === "POST" && req.url === "/result") {
      let body = "";
      for await (const chunk of req) body += chunk;
      res.end("ok");
      resolveResult(JSON.parse(body));
    } else if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end(page);
    } else if (req.url.startsWith("/pkg/") && !req.url.includes("..")) {
      try {
        const file = `${pkg}/${req.url.slice(5)}`;
        const data = await readFile(file);
        res.writeHead(200, { "content-type": TYPES[file.slice(file.lastIndexOf("."))] || "application/octet-stream" }).end(data);
      } catch {
        res.writeHead(404).end();
      }
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const userDataDir = mkdtempSync(`${tmpdir()}/cgaws-chromium-`);
  const browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  try {
    const tab = await browser.newPage();
    const errors = [];
    tab.on("pageerror", (e) => errors.push(String(e)));
    await tab.goto(`http://127.0.0.1:${server.address().port}/`);
    const out = await Promise.race([result, new Promise((_, reject) => setTimeout(() => reject(new Error(`no result in 30 s; page errors: ${errors}`)), 30_000))]);
    assert.equal(out.error, undefined, out.error);
    assert.match(out.ua, /Chrome\//);
    assert.deepEqual(signatureOf(out.token), { signedHeaders: vector.signed_headers, signature: vector.signature });
    assert.equal(out.identity, vector.identity);
    assert.equal(out.code, "invalid_identity");
    console.log(`chromium: ${out.ua}`);
  } finally {
    await browser.close();
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
});
