// An edge runtime: workerd, through miniflare, runs a worker that imports the
// package's workerd entry (the .wasm files imported as modules), makes the
// vector's token, calls exchange() against the issuer emulator
// (CGAWS_EMULATOR_STATE) and gets a JWT from the STS emulator with method
// "oidc" (its own .wasm, instantiated on that first use);
// and a worker with cgaws/verify that verifies a token at "sts.amazonaws.com",
// which the worker's network routes to the STS emulator (moto).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Miniflare } from "miniflare";
import { generateToken } from "cgaws";
import { pkg, vectors, vectorOptions, signatureOf, roleCredentials, jwtParts } from "./helpers.mjs";

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
      out.jwt = await generateToken({ method: "oidc", credentials: input.role, stsEndpoint: s.sts_url, audience: s.issuer_url });
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
      { type: "ESModule", path: `${pkg}/cgaws_oidc.js`, contents: file("cgaws_oidc.js") },
      { type: "CompiledWasm", path: `${pkg}/cgaws_oidc_bg.wasm`, contents: file("cgaws_oidc_bg.wasm") },
    ],
    compatibilityDate: "2025-01-01",
  });
  try {
    const role = state && (await roleCredentials(state));
    const response = await mf.dispatchFetch("http://worker.local/", {
      method: "POST",
      body: JSON.stringify({ vector: vectorOptions(vector), state, role }),
    });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const out = JSON.parse(text);
    assert.deepEqual(signatureOf(out.token), { signedHeaders: vector.signed_headers, signature: vector.signature });
    if (state) {
      assert.equal(out.exchanged.token.split(".").length, 3);
      assert.ok(Date.parse(out.exchanged.expiry) > Date.now());
      assert.equal(out.unreachable, "network_error");
      const { header, claims } = jwtParts(out.jwt);
      assert.equal(header.alg, "ES384");
      assert.deepEqual([claims.iss, claims.sub, claims.aud], [state.oidc_issuer, state.role_arn, state.issuer_url]);
    } else {
      console.log("workerd: CGAWS_EMULATOR_STATE not set, exchange and method oidc not tried");
    }
  } finally {
    await mf.dispose();
  }
});

const VERIFY_WORKER = `
import { verify, VerifyError } from "./verify-workerd.js";
export default {
  async fetch(request) {
    const { token, identity, rule, wrongRule } = await request.json();
    const verified = await verify(token, { identity, rule });
    let refused = null;
    try { await verify(token, { identity, rule: wrongRule }); }
    catch (e) { refused = e instanceof VerifyError ? { code: e.code, check: e.check, failed: e.verdict.filter((f) => !f.matched).map((f) => f.field) } : String(e); }
    return Response.json({ verified: { ...verified, signedAt: verified.signedAt.toISOString() }, refused });
  },
};`;

test("workerd: cgaws/verify verifies a token at STS (moto), rule and all", { skip: !state && "CGAWS_EMULATOR_STATE not set" }, async () => {
  const file = (name) => readFileSync(`${pkg}/${name}`);
  const sts = new URL(state.sts_url);
  const mf = new Miniflare({
    modules: [
      { type: "ESModule", path: `${pkg}/worker.mjs`, contents: VERIFY_WORKER },
      { type: "ESModule", path: `${pkg}/verify-workerd.js`, contents: file("verify-workerd.js") },
      { type: "ESModule", path: `${pkg}/cgaws_verify.js`, contents: file("cgaws_verify.js") },
      { type: "ESModule", path: `${pkg}/api.js`, contents: file("api.js") },
      { type: "ESModule", path: `${pkg}/verify-api.js`, contents: file("verify-api.js") },
      { type: "CompiledWasm", path: `${pkg}/cgaws_verify_bg.wasm`, contents: file("cgaws_verify_bg.wasm") },
    ],
    compatibilityDate: "2025-01-01",
    // The worker's network: every connection goes to the STS emulator, over
    // plain HTTP, the request (Host: sts.amazonaws.com) unchanged, as a VPC
    // route would; moto checks the signature over that Host.
    outboundService: { external: { address: sts.host, http: {} } },
  });
  try {
    const credentials = { accessKeyId: state.user_access_key_id, secretAccessKey: state.user_secret_access_key };
    const token = generateToken({ identity: state.identity, credentials });
    const wrongRule = { awsIdentity: { ...state.identity_rule, arnPattern: `^arn:aws:sts::${state.account_id}:assumed-role/` } };
    const response = await mf.dispatchFetch("http://worker.local/", {
      method: "POST",
      body: JSON.stringify({ token, identity: state.identity, rule: { awsIdentity: state.identity_rule }, wrongRule }),
    });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    const out = JSON.parse(text);
    assert.equal(out.verified.caller.arn, state.user_arn);
    assert.equal(out.verified.stsHost, "sts.amazonaws.com");
    assert.ok(out.verified.verdict.length === 3 && out.verified.verdict.every((f) => f.matched));
    assert.deepEqual(out.refused, { code: "rule_not_matched", check: 9, failed: ["arn_pattern"] });
  } finally {
    await mf.dispose();
  }
});
