// The npm package in Node: both module systems, the shared vectors, AWS's
// SigV4 suite, the same token as the CLI, errors, the exchange against the
// issuer emulator (CGAWS_EMULATOR_STATE), the package's exports and types.
import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import * as esm from "cgaws";
import { pkg, root, vectors, vectorOptions, signatureOf } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const cjs = require("cgaws");

test("the shared vectors, from ESM and from CommonJS", () => {
  assert.ok(vectors.length >= 4);
  for (const v of vectors) {
    for (const [name, api] of [["esm", esm], ["cjs", cjs]]) {
      const token = api.generateToken(vectorOptions(v));
      // The vectors' canonical_request/string_to_sign wrongly list an
      // authorization header (core/tests/token_vectors.rs); signatures and
      // signed headers are right.
      assert.deepEqual(signatureOf(token), { signedHeaders: v.signed_headers, signature: v.signature }, `${v.name} ${name}`);
      const seen = api.inspect(token);
      assert.equal(seen.identity, v.identity);
      assert.equal(seen.host, v.sts_host);
      assert.equal(seen.hasSessionToken, Boolean(v.session_token));
      assert.equal(seen.time.toISOString(), new Date(v.time).toISOString());
    }
    // A Date gives the same token as the ISO string.
    assert.equal(esm.generateToken({ ...vectorOptions(v), time: new Date(v.time) }), esm.generateToken(vectorOptions(v)));
  }
});

/**
 * Spies on the node:crypto SHA-256 the Node entries sign with (crypto.hash, or
 * createHash before Node 20.12): records what it hashes, and answers `digest`
 * instead of the real digest when given.
 */
function spyOnNodeSha256(digest) {
  const hashed = [];
  const record = (data) => hashed.push(Buffer.from(data).toString("latin1"));
  const answer = (encoding) => (encoding === undefined || encoding === "buffer" ? digest : digest.toString(encoding));
  if (crypto.hash) {
    const real = crypto.hash;
    mock.method(crypto, "hash", (algorithm, data, encoding) => {
      record(data);
      return digest ? answer(encoding) : real(algorithm, data, encoding);
    });
  } else {
    const real = crypto.createHash;
    mock.method(crypto, "createHash", (algorithm) => {
      const hash = real(algorithm);
      return {
        update(data) { record(data); hash.update(data); return this; },
        digest: (encoding) => (digest ? answer(encoding) : hash.digest(encoding)),
      };
    });
  }
  return hashed;
}

test("in Node, the canonical request is hashed by node:crypto, and the tokens are the vectors'", () => {
  try {
    for (const v of vectors) {
      for (const [name, api] of [["esm", esm], ["cjs", cjs]]) {
        const hashed = spyOnNodeSha256();
        const token = api.generateToken(vectorOptions(v));
        mock.restoreAll();
        assert.deepEqual(signatureOf(token), { signedHeaders: v.signed_headers, signature: v.signature }, `${v.name} ${name}`);
        // One digest per token: of its canonical request.
        assert.equal(hashed.length, 1, `${v.name} ${name}`);
        assert.ok(hashed[0].startsWith("POST\n/\nAction=GetCallerIdentity&Version=2011-06-15\naccept:application/json\n"));
        assert.ok(hashed[0].includes(`\nchainguard-identity:${v.identity}\n`));
        assert.ok(hashed[0].endsWith(`\n${v.signed_headers}\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`));

        // The signature is made from that digest, not from one computed in wasm.
        spyOnNodeSha256(Buffer.alloc(32));
        const wrong = api.generateToken(vectorOptions(v));
        mock.restoreAll();
        assert.notEqual(signatureOf(wrong).signature, v.signature, `${v.name} ${name}`);
      }
    }
  } finally {
    mock.restoreAll();
  }
});

test("the same token as the CLI for the same inputs", { skip: !process.env.CGAWS_CLI && "CGAWS_CLI not set" }, () => {
  for (const v of vectors) {
    const args = ["token", "--identity", v.identity, "--time", v.time, "--audience", v.audience];
    if (v.sts_host !== "sts.amazonaws.com") args.push("--sts-region", v.sts_region);
    const env = { PATH: process.env.PATH, HOME: "/nonexistent", AWS_ACCESS_KEY_ID: v.access_key_id, AWS_SECRET_ACCESS_KEY: v.secret_access_key, AWS_CONFIG_FILE: "/nonexistent", AWS_SHARED_CREDENTIALS_FILE: "/nonexistent", AWS_EC2_METADATA_DISABLED: "true" };
    if (v.session_token) env.AWS_SESSION_TOKEN = v.session_token;
    const cli = execFileSync(process.env.CGAWS_CLI, args, { env, encoding: "utf8" }).trim();
    assert.equal(esm.generateToken(vectorOptions(v)), cli, v.name);
  }
});

/** request.txt of the SigV4 suite: request line, Name:value headers, blank line, body. */
function parseRequest(text) {
  const [head, ...rest] = text.split("\n\n");
  const lines = head.split("\n");
  const [method, ...middle] = lines[0].split(" ");
  const target = middle.slice(0, -1).join(" ");
  const headers = [];
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const i = line.indexOf(":");
    headers.push([line.slice(0, i), line.slice(i + 1)]);
  }
  const host = headers.find(([n]) => n.toLowerCase() === "host")[1];
  return { method, url: `https://${host}${target}`, headers, body: rest.join("\n\n") };
}

test("AWS's SigV4 suite, header and query variants", () => {
  const suite = `${root}tests/vectors/sigv4-suite`;
  const cases = readdirSync(suite, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  assert.ok(cases.length >= 30);
  const read = (c, f) => readFileSync(`${suite}/${c}/${f}`, "utf8");
  const skipped = [];
  let checked = 0;
  for (const c of cases) {
    const ctx = JSON.parse(read(c, "context.json"));
    const request = parseRequest(read(c, "request.txt"));
    const common = {
      ...request,
      credentials: { accessKeyId: ctx.credentials.access_key_id, secretAccessKey: ctx.credentials.secret_access_key, sessionToken: ctx.credentials.token },
      region: ctx.region,
      service: ctx.service,
      time: ctx.timestamp,
      normalizePath: ctx.normalize !== false,
      signSessionToken: ctx.omit_session_token !== true,
    };
    let header;
    try {
      header = esm.sign({ ...common, contentSha256Header: ctx.sign_body === true });
    } catch (e) {
      // Targets the URL form cannot carry (raw spaces): the Rust suite test covers them.
      assert.equal(e.code, "invalid_url", `${c}: ${e.message}`);
      skipped.push(c);
      continue;
    }
    assert.equal(header.canonicalRequest, read(c, "header-canonical-request.txt"), `${c} header canonical request`);
    assert.equal(header.stringToSign, read(c, "header-string-to-sign.txt"), `${c} header string to sign`);
    assert.equal(header.signature, read(c, "header-signature.txt").trim(), `${c} header signature`);
    const query = esm.presign({ ...common, expiresIn: ctx.expiration_in_seconds });
    assert.equal(query.canonicalRequest, read(c, "query-canonical-request.txt"), `${c} query canonical request`);
    assert.equal(query.signature, read(c, "query-signature.txt").trim(), `${c} query signature`);
    assert.ok(query.url.includes(`X-Amz-Signature=${query.signature}`));
    checked++;
  }
  assert.ok(skipped.length <= 3, `skipped ${skipped}`);
  console.log(`sigv4 suite: ${checked} cases checked, skipped (raw spaces in the target): ${skipped.join(", ") || "none"}`);
});

test("errors are Error subclasses with a stable code", () => {
  const v = vectors[0];
  const cases = [
    [() => esm.generateToken({ ...vectorOptions(v), identity: "66fe8510254166621680aeb4sample222222/3359173sampled" }), esm.InvalidInputError, "invalid_identity"],
    [() => esm.generateToken({ ...vectorOptions(v), time: "yesterday" }), esm.InvalidInputError, "invalid_time"],
    [() => esm.generateToken({ ...vectorOptions(v), time: new Date("x") }), esm.InvalidInputError, "invalid_time"],
    [() => esm.generateToken({ ...vectorOptions(v), stsRegion: "us-east-1.evil.com" }), esm.InvalidInputError, "invalid_region"],
    [() => esm.generateToken({ ...vectorOptions(v), credentials: { accessKeyId: "", secretAccessKey: "x" } }), esm.CredentialsError, "empty_access_key_id"],
    [() => esm.generateToken({ identity: v.identity }), esm.InvalidInputError, "invalid_argument"],
    [() => esm.inspect("a+b/"), esm.PrecheckError, "invalid_encoding"],
    [() => esm.sign({ url: "ftp://x", credentials: vectorOptions(v).credentials, region: "r", service: "s" }), esm.InvalidInputError, "invalid_url"],
    [() => esm.presign({ url: "https://x/", credentials: vectorOptions(v).credentials, region: "r", service: "s", expiresIn: 10 ** 7 }), esm.InvalidInputError, "invalid_expiry"],
  ];
  for (const [f, Class, code] of cases) {
    assert.throws(f, (e) => e instanceof Class && e instanceof esm.CgawsError && e instanceof Error && e.code === code && e.name === Class.name, code);
  }
  // The credentials cache forgets credentials that failed.
  assert.throws(() => esm.generateToken({ ...vectorOptions(v), credentials: { accessKeyId: "", secretAccessKey: "x" } }));
  assert.ok(esm.generateToken(vectorOptions(v)));
  assert.throws(() => cjs.inspect("x"), (e) => e instanceof cjs.PrecheckError && e.code === "invalid_encoding");
});

test("precheck runs the relying party's checks", () => {
  const v = vectors[1];
  const token = esm.generateToken(vectorOptions(v));
  const ok = esm.precheck(token, { identity: v.identity, now: new Date(Date.parse(v.time) + 60_000) });
  assert.equal(ok.host, "sts.amazonaws.com");
  assert.equal(ok.forward.url, "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15");
  const expired = () => esm.precheck(token, { identity: v.identity, now: new Date(Date.parse(v.time) + 16 * 60_000) });
  assert.throws(expired, (e) => e instanceof esm.PrecheckError && e.code === "expired" && e.check === 7);
  const other = () => esm.precheck(token, { identity: v.identity, audience: ["https://elsewhere"], now: v.time });
  assert.throws(other, (e) => e.code === "invalid_audience" && e.check === 6);
});

const state = process.env.CGAWS_EMULATOR_STATE && JSON.parse(readFileSync(process.env.CGAWS_EMULATOR_STATE, "utf8"));

test("exchange against the issuer emulator", { skip: !state && "CGAWS_EMULATOR_STATE not set" }, async () => {
  const credentials = { accessKeyId: state.user_access_key_id, secretAccessKey: state.user_secret_access_key };
  const control = (body) => fetch(`${state.issuer_url}/_control`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const log = async () => (await (await fetch(`${state.issuer_url}/_control/log`)).json());
  await fetch(`${state.issuer_url}/_control/log`, { method: "DELETE" });

  const { token, expiry } = await esm.exchange({ identity: state.identity, credentials, issuer: state.issuer_url });
  assert.equal(token.split(".").length, 3);
  assert.ok(expiry instanceof Date && expiry > new Date());
  // CommonJS, with an explicit fetch and a token made beforehand.
  let calls = 0;
  const blob = cjs.generateToken({ identity: state.identity, credentials, audience: state.issuer_url });
  const viaToken = await cjs.exchange({ identity: state.identity, token: blob, issuer: state.issuer_url, audience: ["cgr.dev"], fetch: (...a) => (calls++, fetch(...a)) });
  assert.ok(viaToken.token && calls === 1);

  // Retries: a transient 503 then success; the core decides, the driver sleeps.
  await control({ mode: "503", count: 1 });
  const started = Date.now();
  await esm.exchange({ identity: state.identity, credentials, issuer: state.issuer_url });
  assert.ok(Date.now() - started >= 100);
  // Three attempts in all, then the error.
  await control({ mode: "grpc14", count: 3 });
  await assert.rejects(esm.exchange({ identity: state.identity, credentials, issuer: state.issuer_url }), (e) => e instanceof esm.ExchangeError && e.code === "rejected" && e.grpcStatus === "UNAVAILABLE");
  // No retry of a plain 500.
  await control({ mode: "500", count: 2 });
  await assert.rejects(esm.exchange({ identity: state.identity, credentials, issuer: state.issuer_url }), (e) => e.code === "rejected" && e.status === 500);
  await fetch(`${state.issuer_url}/_control/reset`, { method: "POST" });
  // A redirect is not followed with the token.
  await control({ mode: "redirect", count: 1 });
  await assert.rejects(esm.exchange({ identity: state.identity, credentials, issuer: state.issuer_url }), (e) => e.code === "redirected" && e.status === 302);
  const sink = await (await fetch(`${state.issuer_url}/_control/redirect-sink`)).json();
  assert.equal(JSON.stringify(sink).includes('"authorization_present": true'), false);
  await fetch(`${state.issuer_url}/_control/reset`, { method: "POST" });
  // The rule refuses other callers: permission_denied.
  const stranger = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
  await assert.rejects(esm.exchange({ identity: state.identity, credentials: stranger, issuer: state.issuer_url }), (e) => e instanceof esm.ExchangeError && e.status >= 400);
  // Unreachable issuer.
  await assert.rejects(esm.exchange({ identity: state.identity, credentials, issuer: "http://127.0.0.1:9" }), (e) => e.code === "network_error");
  const entries = await log();
  assert.ok(JSON.stringify(entries).includes("aws-blob"));
});

test("package.json exports and the TypeScript declarations", () => {
  const manifest = JSON.parse(readFileSync(`${pkg}/package.json`, "utf8"));
  const dot = manifest.exports["."];
  assert.equal(dot.workerd.default, "./workerd.js");
  assert.equal(dot.node.import.default, "./node.js");
  assert.equal(dot.node.require.default, "./node.cjs");
  assert.equal(dot.default, "./web.js");
  for (const file of manifest.files) assert.ok(existsSync(`${pkg}/${file}`), file);
  assert.equal(require.resolve("cgaws"), `${pkg}/node.cjs`);
  assert.deepEqual(Object.keys(esm).sort(), Object.keys(cjs).sort());
  const verify = manifest.exports["./verify"];
  assert.equal(verify.workerd.default, "./verify-workerd.js");
  assert.equal(verify.node.import.default, "./verify-node.js");
  assert.equal(verify.node.require.default, "./verify-node.cjs");
  assert.equal(verify.default, "./verify.js");
  assert.equal(require.resolve("cgaws/verify"), `${pkg}/verify-node.cjs`);
  assert.deepEqual(Object.keys(require("cgaws/verify")).sort(), ["CgawsError", "InvalidInputError", "PrecheckError", "VerifyError", "init", "initSync", "verify"]);
  const tsc = `${root}wasm/node_modules/typescript/bin/tsc`;
  execFileSync(process.execPath, [tsc, "-p", `${root}wasm/test/tsconfig.json`], { stdio: "inherit" });
});
