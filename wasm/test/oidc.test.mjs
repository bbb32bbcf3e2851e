// method: "oidc" in Node: STS GetWebIdentityToken at the STS emulator (moto
// with signature checking, plus GetWebIdentityToken), then the exchange of that
// JWT at the issuer emulator against the identity's claim_match rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as esm from "cgaws";
import { state, roleCredentials, jwtParts, verifyIssued } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const cjs = require("cgaws");
const skip = !state && "CGAWS_EMULATOR_STATE not set";
const stsControl = (body) => fetch(`${state.sts_url}/_control`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("generateToken with method oidc: a JWT from STS for the issuer", { skip }, async () => {
  const credentials = await roleCredentials(state);
  const pending = esm.generateToken({ method: "oidc", credentials, stsEndpoint: state.sts_url, audience: state.issuer_url });
  assert.ok(pending instanceof Promise);
  const { header, claims } = jwtParts(await pending);
  assert.equal(header.alg, "ES384");
  assert.equal(claims.iss, state.oidc_issuer);
  // The role, not the assumed-role session.
  assert.equal(claims.sub, state.role_arn);
  assert.equal(claims.aud, state.issuer_url);
  assert.equal(claims.exp - claims.iat, 300);
  // RS256, another duration, from CommonJS.
  const jwt = await cjs.generateToken({ method: "oidc", credentials, stsEndpoint: state.sts_url, oidcAlgorithm: "RS256", oidcDuration: 900 });
  const rs = jwtParts(jwt);
  assert.equal(rs.header.alg, "RS256");
  assert.equal(rs.claims.exp - rs.claims.iat, 900);
  // The default audience is the Chainguard issuer URL, as for the blob.
  assert.equal(rs.claims.aud, "https://issuer.enforce.dev");
});

test("exchange with method oidc against the issuer's claim_match identity", { skip }, async () => {
  const credentials = await roleCredentials(state);
  await fetch(`${state.issuer_url}/_control/log`, { method: "DELETE" });
  const { token, expiry } = await esm.exchange({ method: "oidc", identity: state.oidc_identity, credentials, issuer: state.issuer_url, stsEndpoint: state.sts_url });
  const claims = await verifyIssued(state, token);
  assert.equal(claims.sub, state.oidc_identity);
  assert.equal(claims.aud, "cgr.dev");
  assert.equal(expiry.getTime(), claims.exp * 1000);
  const log = await (await fetch(`${state.issuer_url}/_control/log`)).json();
  assert.deepEqual(log.map((e) => [e.bearer_kind, e.status]), [["oidc", 200]]);
  // The blob identity does not take AWS's JWT: the issuer's refusal comes through.
  await assert.rejects(
    esm.exchange({ method: "oidc", identity: state.identity, credentials, issuer: state.issuer_url, stsEndpoint: state.sts_url }),
    (e) => e instanceof esm.ExchangeError && e.code === "permission_denied" && e.status === 403,
  );
});

test("the two STS refusals, each with its fix", { skip }, async () => {
  const credentials = await roleCredentials(state);
  const options = { method: "oidc", identity: state.oidc_identity, credentials, issuer: state.issuer_url, stsEndpoint: state.sts_url };
  try {
    await stsControl({ web_identity_federation: false });
    await assert.rejects(esm.exchange(options), (e) => {
      assert.ok(e instanceof esm.StsError && e instanceof esm.CgawsError, String(e));
      assert.equal(e.code, "outbound_federation_disabled");
      assert.equal(e.status, 403);
      assert.equal(e.stsCode, "OutboundWebIdentityFederationDisabledException");
      assert.match(e.fix, /aws iam enable-outbound-web-identity-federation/);
      return true;
    });
    await stsControl({ web_identity_federation: true, web_identity_token_allowed: false });
    await assert.rejects(esm.generateToken({ ...options, audience: state.issuer_url }), (e) => {
      assert.equal(e.code, "access_denied");
      assert.equal(e.stsCode, "AccessDenied");
      // The minimal policy statement, for the audience asked for.
      assert.ok(e.fix.includes(`"sts:IdentityTokenAudience":"${state.issuer_url}"`), e.fix);
      assert.ok(e.message.includes("sts:GetWebIdentityToken"), e.message);
      return true;
    });
  } finally {
    await stsControl({ web_identity_federation: true, web_identity_token_allowed: true });
  }
  // Unreachable STS.
  await assert.rejects(esm.generateToken({ ...options, stsEndpoint: "http://127.0.0.1:9" }), (e) => e instanceof esm.StsError && e.code === "network_error");
});

test("method options are checked before anything is sent", async () => {
  const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "S" };
  const identity = "66fe8510254166621680aeb498b0249b66900d34/335917336625376d";
  let calls = 0;
  const fetch = () => (calls++, Promise.reject(new Error("not to be called")));
  assert.throws(() => esm.generateToken({ method: "jwt", identity, credentials }), (e) => e.code === "invalid_method");
  assert.throws(() => esm.generateToken({ identity, credentials, oidcAlgorithm: "RS256" }), (e) => e.code === "invalid_argument");
  await assert.rejects(esm.generateToken({ method: "oidc", credentials, oidcAlgorithm: "HS256", fetch }), (e) => e.code === "invalid_algorithm");
  await assert.rejects(esm.generateToken({ method: "oidc", credentials, oidcDuration: 30, fetch }), (e) => e.code === "invalid_duration");
  await assert.rejects(esm.generateToken({ method: "oidc", credentials: { accessKeyId: "", secretAccessKey: "S" }, fetch }), (e) => e.code === "empty_access_key_id");
  await assert.rejects(esm.exchange({ method: "oidc", identity: "nope", credentials, fetch }), (e) => e.code === "invalid_identity");
  await assert.rejects(esm.exchange({ method: "oidc", identity, token: "a.b.c", fetch }), (e) => e.code === "invalid_argument");
  assert.equal(calls, 0);
  // Without an endpoint: us-east-1's regional STS (GetWebIdentityToken is not on the global one).
  const seen = [];
  const record = (url, init) => (seen.push([url, init.headers.find(([n]) => n.toLowerCase() === "authorization")[1]]), Promise.reject(new Error("offline")));
  await assert.rejects(esm.generateToken({ method: "oidc", credentials, fetch: record }), (e) => e.code === "network_error");
  await assert.rejects(esm.generateToken({ method: "oidc", credentials, stsRegion: "eu-west-1", fetch: record }), (e) => e.code === "network_error");
  assert.equal(seen[0][0], "https://sts.us-east-1.amazonaws.com/");
  assert.match(seen[0][1], /\/us-east-1\/sts\/aws4_request/);
  assert.equal(seen[1][0], "https://sts.eu-west-1.amazonaws.com/");
  assert.match(seen[1][1], /\/eu-west-1\/sts\/aws4_request/);
});
