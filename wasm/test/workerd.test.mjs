// An edge runtime: workerd, through miniflare, runs a worker that imports the
// package's workerd entry (the .wasm imported as a module), makes the vector's
// token and calls exchange() against the issuer emulator (CGAWS_EMULATOR_STATE).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Miniflare } from "miniflare";
import { pkg, vectors, vectorOptions, signatureOf } from "./helpers.mjs";

const state = process.env.CGAWS_EMULATOR_STATE && JSON.parse(readFileSync(process.env.CGAWS_EMULATOR_STATE, "utf8"));

const WORKER = `
import { generateToken, exchange, ExchangeError } from "./workerd.js";
export default {
  async fetch(request) {
    const input = await request.json();
    const out = { token: generateToken(input.vector) };
    if (input.state) {
      const s = input.state;
      const credentials = { accessKeyId: s.user_access_key_id, secretAccessKey: s.user_secret_access_key };
      const r = await exchange({ identity: s.identity, credentials, issuer: s.issuer_url });
      out.exchanged = { token: r.token, expiry: r.expiry && r.expiry.toISOString() };
      try { await exchange({ identity: s.identity, credentials, issuer: "http://127.0.0.1:9" }); }
      catch (e) { out.unreachable = e instanceof ExchangeError ? e.code : String(e); }
    }
    return Response.json(out);
  },
};`;

test("workerd: the worker makes the vector's token and exchanges one", async () => {
  const vector = vectors[0];
  const file = (name) => readFileSync(`${pkg}/${name}`);
  const mf = new Miniflare({
    modules: [
      { type: "ESModule", path: `${pkg}/worker.mjs`, contents: WORKER },
      { type: "ESModule", path: `${pkg}/workerd.js`, contents: file("workerd.js") },
      { type: "ESModule", path: `${pkg}/cgaws.js`, contents: file("cgaws.js") },
      { type: "ESModule", path: `${pkg}/api.js`, contents: file("api.js") },
      { type: "CompiledWasm", path: `${pkg}/cgaws_bg.wasm`, contents: file("cgaws_bg.wasm") },
    ],
    compatibilityDate: "2025-01-01",
  });
  try {
    const response = await mf.dispatchFetch("http://worker.local/", {
      method: "POST",
      body: JSON.stringify({ vector: vectorOptions(vector), state }),
    });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const out = JSON.parse(text);
    assert.deepEqual(signatureOf(out.token), { signedHeaders: vector.signed_headers, signature: vector.signature });
    if (state) {
      assert.equal(out.exchanged.token.split(".").length, 3);
      assert.ok(Date.parse(out.exchanged.expiry) > Date.now());
      assert.equal(out.unreachable, "network_error");
    } else {
      console.log("workerd: CGAWS_EMULATOR_STATE not set, exchange not tried");
    }
  } finally {
    await mf.dispose();
  }
});
