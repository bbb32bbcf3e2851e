// A real browser: Debian's Chromium, headless, driven by playwright-core,
// loads a page from a localhost server; the page imports the package (the
// browser entry, web.js), calls init(), makes the token of a shared vector and
// posts it back; the token must carry the vector's signature. With the
// emulators (CGAWS_EMULATOR_STATE), the page also calls exchange() against the
// issuer emulator, cross-origin (its CORS mode on for the page's origin only),
// and posts back the Chainguard token, which must verify against the issuer's keys.
// Then it uses method "oidc", whose own .wasm the page must fetch from next to
// the module only then (its STS request goes to a fetch that refuses it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";
import { pkg, vectors, vectorOptions, signatureOf, state, verifyIssued } from "./helpers.mjs";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };

const issuerControl = (body) => fetch(`${state.issuer_url}/_control`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("Chromium: the page makes the vector's token, and exchanges one at the issuer emulator", async () => {
  const vector = vectors[0];
  const emulators = state && {
    identity: state.identity,
    credentials: { accessKeyId: state.user_access_key_id, secretAccessKey: state.user_secret_access_key },
    issuer: state.issuer_url,
  };
  let resolveResult;
  const result = new Promise((r) => (resolveResult = r));
  const page = `<!doctype html><script type="module">
    import { init, generateToken, inspect, exchange, InvalidInputError, ExchangeError } from "/pkg/web.js";
    const options = ${JSON.stringify(vectorOptions(vector))};
    const emulators = ${JSON.stringify(emulators)};
    let out;
    try {
      await init();
      const token = generateToken(options);
      let code = null;
      try { generateToken({ ...options, identity: "nope" }); } catch (e) { code = e instanceof InvalidInputError ? e.code : String(e); }
      out = { token, identity: inspect(token).identity, code, ua: navigator.userAgent };
      await fetch("/mark", { method: "POST" });
      const seen = [];
      const offline = (url) => (seen.push(url), Promise.reject(new Error("offline")));
      try { await generateToken({ method: "oidc", credentials: options.credentials, fetch: offline }); }
      catch (e) { out.oidc = { code: e.code, seen }; }
      if (emulators) {
        const r = await exchange(emulators);
        out.exchanged = { token: r.token, expiry: r.expiry.toISOString() };
        // The issuer's refusal reaches the page too (its error answers carry the CORS header).
        try { await exchange({ ...emulators, identity: emulators.identity.replace(/^./, (c) => (c === "0" ? "1" : "0")) }); }
        catch (e) { out.refused = e instanceof ExchangeError ? { code: e.code, status: e.status, grpcStatus: e.grpcStatus } : String(e); }
      }
    } catch (e) { out = { error: String(e && e.stack || e) }; }
    await fetch("/result", { method: "POST", body: JSON.stringify(out) });
  </script>`;
  const requested = [];
  const server = createServer(async (req, res) => {
    requested.push(req.url);
    if (req.method === "POST" && req.url === "/mark") {
      res.end("ok");
    } else if (req.method === "POST" && req.url === "/result") {
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
  const origin = `http://127.0.0.1:${server.address().port}`;
  if (state) {
    await issuerControl({ cors_origin: origin });
    await fetch(`${state.issuer_url}/_control/log`, { method: "DELETE" });
  }
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
    await tab.goto(`${origin}/`);
    const out = await Promise.race([result, new Promise((_, reject) => setTimeout(() => reject(new Error(`no result in 30 s; page errors: ${errors}`)), 30_000))]);
    assert.equal(out.error, undefined, out.error);
    assert.match(out.ua, /Chrome\//);
    assert.deepEqual(signatureOf(out.token), { signedHeaders: vector.signed_headers, signature: vector.signature });
    assert.equal(out.identity, vector.identity);
    assert.equal(out.code, "invalid_identity");
    // The oidc .wasm was fetched after the token was made, when method "oidc" was used.
    assert.deepEqual(out.oidc, { code: "network_error", seen: ["https://sts.us-east-1.amazonaws.com/"] });
    const mark = requested.indexOf("/mark");
    assert.ok(mark > 0 && !requested.slice(0, mark).some((u) => u.includes("oidc")), requested.join(" "));
    assert.ok(requested.slice(mark).includes("/pkg/cgaws_oidc_bg.wasm"), requested.join(" "));
    console.log(`chromium: ${out.ua}`);
    if (state) {
      // The token the emulator issued, for the identity and the registry.
      const claims = await verifyIssued(state, out.exchanged.token);
      assert.deepEqual([claims.iss, claims.sub, claims.aud], [state.issuer_url, state.identity, "cgr.dev"]);
      assert.equal(out.exchanged.expiry, new Date(claims.exp * 1000).toISOString());
      assert.deepEqual(out.refused, { code: "rejected", status: 404, grpcStatus: "NOT_FOUND" });
      const log = await (await fetch(`${state.issuer_url}/_control/log`)).json();
      assert.deepEqual(log.map((e) => [e.bearer_kind, e.status]), [["aws-blob", 200], [undefined, 404]]);
    } else {
      console.log("chromium: CGAWS_EMULATOR_STATE not set, exchange not tried");
    }
  } finally {
    if (state) await issuerControl({ cors_origin: null });
    await browser.close();
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
});
