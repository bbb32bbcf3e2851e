// method "oidc" has its own .wasm (cgaws_oidc_bg.wasm): the main .wasm, which
// every user downloads, has no GetWebIdentityToken exports, and the Node
// entries (ESM and CommonJS) instantiate the oidc .wasm only when method
// "oidc" is first used, once. The instances are seen by wrapping
// WebAssembly.Instance before the package is loaded (so nothing here imports
// it statically).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pkg, vectors, vectorOptions, signatureOf } from "./helpers.mjs";

const exportsOf = (file) => WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(`${pkg}/${file}`))).map((e) => e.name);
const OIDC_EXPORTS = ["web_identity_start", "web_identity_request", "web_identity_response", "web_identity_free"];

test("the main .wasm has no oidc exports; the oidc .wasm has them and nothing of the main API", () => {
  const main = exportsOf("cgaws_bg.wasm");
  const oidc = exportsOf("cgaws_oidc_bg.wasm");
  for (const name of ["token", "sign", "inspect", "precheck", "exchange_start", "set_credentials"]) {
    assert.ok(main.includes(name), `main: ${name}`);
    assert.ok(!oidc.includes(name), `oidc: ${name}`);
  }
  assert.deepEqual(main.filter((n) => n.startsWith("web_identity")), []);
  for (const name of OIDC_EXPORTS) assert.ok(oidc.includes(name), `oidc: ${name}`);
});

test("Node loads the oidc .wasm only when method oidc is used, once per entry", async () => {
  // The export names of every instance made from here on.
  const instances = [];
  const Original = WebAssembly.Instance;
  WebAssembly.Instance = class extends Original {
    constructor(module, imports) {
      super(module, imports);
      instances.push(WebAssembly.Module.exports(module).map((e) => e.name));
    }
  };
  const isOidc = (names) => names.includes("web_identity_start");
  try {
    const esm = await import("cgaws");
    const cjs = createRequire(import.meta.url)("cgaws");
    assert.equal(instances.length, 2, "the ESM and CommonJS entries each instantiate the main .wasm");
    assert.ok(!instances.some(isOidc));

    // Everything but method oidc runs without the oidc .wasm.
    const vector = vectors[0];
    const offline = () => Promise.reject(new Error("offline"));
    for (const api of [esm, cjs]) {
      const token = api.generateToken(vectorOptions(vector));
      assert.deepEqual(signatureOf(token), { signedHeaders: vector.signed_headers, signature: vector.signature });
      assert.equal(api.inspect(token).identity, vector.identity);
      api.sign({ credentials: vectorOptions(vector).credentials, url: "https://example.com/", region: "us-east-1", service: "s3" });
      await assert.rejects(api.exchange({ identity: vector.identity, credentials: vectorOptions(vector).credentials, fetch: offline }), (e) => e.code === "network_error");
    }
    assert.equal(instances.length, 2);

    // The first oidc call of each entry loads it; later ones reuse it.
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "S" };
    const seen = [];
    const record = (url) => (seen.push(url), Promise.reject(new Error("offline")));
    for (const api of [esm, cjs]) {
      const before = instances.length;
      for (let i = 0; i < 2; i++) {
        await assert.rejects(api.generateToken({ method: "oidc", credentials, fetch: record }), (e) => e instanceof api.StsError && e.code === "network_error");
      }
      await assert.rejects(api.exchange({ method: "oidc", identity: vector.identity, credentials, fetch: record }), (e) => e instanceof api.StsError && e.code === "network_error");
      assert.equal(instances.length, before + 1);
      assert.ok(isOidc(instances[before]) && !instances[before].includes("token"));
    }
    // Each call signed its request in the oidc instance and sent it to STS.
    assert.deepEqual(seen, Array(6).fill("https://sts.us-east-1.amazonaws.com/"));
  } finally {
    WebAssembly.Instance = Original;
  }
});
