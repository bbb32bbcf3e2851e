// generateToken (wasm) against aws4 (node:crypto), aws4fetch (WebCrypto) and
// @smithy/signature-v4 (node:crypto via @smithy/hash-node), each producing the
// same token: the signed STS GetCallerIdentity request, serialized like Go's
// http.Request.Write and base64url-encoded. Their signatures are checked equal
// to ours (and the whole token byte for byte) before timing.
//
// Run: node bench/js/bench.mjs   (after `make wasm`; deps from wasm/node_modules)
import { createRequire } from "node:module";
import { readFileSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { loadavg, cpus } from "node:os";
import assert from "node:assert/strict";

const root = new URL("../../", import.meta.url).pathname;
const require = createRequire(`${root}wasm/package.json`);
const cgaws = await import(`${root}wasm/pkg/node.js`);
const aws4 = require("aws4");
const { AwsV4Signer } = await import(require.resolve("aws4fetch"));
const { SignatureV4 } = require("@smithy/signature-v4");
const { Hash } = require("@smithy/hash-node");

const v = JSON.parse(readFileSync(`${root}tests/vectors/token-vectors.json`, "utf8")).vectors[0];
const credentials = { accessKeyId: v.access_key_id, secretAccessKey: v.secret_access_key, sessionToken: v.session_token };
const time = new Date(v.time);
const amzDate = v.time.replace(/[-:]/g, "").replace(".000", "");
const HOST = "sts.amazonaws.com";
const QUERY = "Action=GetCallerIdentity&Version=2011-06-15";
const version = JSON.parse(readFileSync(`${root}wasm/pkg/package.json`, "utf8")).version;

/** Go's http.Request.Write layout (PROTOCOL.md §2), base64url with padding. */
function wire(headers) {
  const lines = Object.entries(headers)
    .filter(([n]) => !/^(host|user-agent|content-length)$/i.test(n))
    .map(([n, val]) => [n.toLowerCase().replace(/(^|-)([a-z])/g, (_, d, c) => d + c.toUpperCase()), val])
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([n, val]) => `${n}: ${val}\r\n`)
    .join("");
  const text = `POST /?${QUERY} HTTP/1.1\r\nHost: ${HOST}\r\nUser-Agent: cgaws/${version}\r\nContent-Length: 0\r\n${lines}\r\n`;
  const b64 = Buffer.from(text, "latin1").toString("base64");
  return b64.replace(/\+/g, "-").replace(/\//g, "_");
}

const bound = { Accept: "application/json", "Chainguard-Audience": v.audience, "Chainguard-Identity": v.identity };

const signers = {
  "cgaws (wasm)": () => cgaws.generateToken({ identity: v.identity, credentials, audience: v.audience, time }),
  "aws4 (node:crypto)": () => {
    const r = aws4.sign(
      { host: HOST, method: "POST", path: `/?${QUERY}`, service: "sts", region: "us-east-1", body: "", headers: { ...bound, "X-Amz-Date": amzDate } },
      credentials,
    );
    return wire(r.headers);
  },
  "aws4fetch (WebCrypto)": async () => {
    const signer = new AwsV4Signer({
      url: `https://${HOST}/?${QUERY}`, method: "POST", headers: bound, body: "", service: "sts", region: "us-east-1", datetime: amzDate, ...credentials,
    });
    const { headers } = await signer.sign();
    return wire(Object.fromEntries(headers));
  },
  "@smithy/signature-v4": async () => {
    const signer = new SignatureV4({ service: "sts", region: "us-east-1", credentials, sha256: Hash.bind(null, "sha256"), uriEscapePath: true, applyChecksum: false });
    const r = await signer.sign(
      { method: "POST", protocol: "https:", hostname: HOST, path: "/", query: { Action: "GetCallerIdentity", Version: "2011-06-15" }, headers: { host: HOST, ...bound } },
      { signingDate: time },
    );
    return wire(r.headers);
  },
};

// Same token from every signer.
const ours = signers["cgaws (wasm)"]();
const sig = (t) => /Signature=([0-9a-f]{64})/.exec(Buffer.from(t, "base64url").toString("latin1"))[1];
assert.equal(sig(ours), v.signature);
for (const [name, f] of Object.entries(signers)) {
  const token = await f();
  if (sig(token) !== v.signature) console.error(name, Buffer.from(token, "base64url").toString("latin1"));
  assert.equal(sig(token), v.signature, `${name}: signature`);
  assert.equal(token, ours, `${name}: token`);
}

async function measure(f, ms) {
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms * 1e6);
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 50; i++) await f();
    n += 50;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / 1e3 / n;
}

const rounds = Number(process.env.ROUNDS || 9);
const results = Object.fromEntries(Object.keys(signers).map((k) => [k, []]));
for (const f of Object.values(signers)) await measure(f, 300); // warm up
for (let r = 0; r < rounds; r++) {
  for (const [name, f] of Object.entries(signers)) {
    // Sync signers are timed without awaiting (an await per call would dominate).
    const sync = name.startsWith("cgaws") || name.startsWith("aws4 ");
    results[name].push(sync ? await measure(() => void f(), 200) : await measure(f, 200));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const med = Object.fromEntries(Object.entries(results).map(([k, xs]) => [k, median(xs)]));
const best = Object.fromEntries(Object.entries(results).map(([k, xs]) => [k, Math.min(...xs)]));
const fastestOther = Math.min(...Object.entries(med).filter(([k]) => !k.startsWith("cgaws")).map(([, x]) => x));

const wasmFile = `${root}wasm/pkg/cgaws_bg.wasm`;
const size = (f) => statSync(f).size;
// GNU gzip -9, as wasm/build.sh and the size target count (node:zlib at level 9
// compresses the same file about 200 bytes worse).
const gz = (f) => execFileSync("gzip", ["-9", "-c", f]).length;
const glue = ["cgaws.js", "api.js", "web.js"].map((f) => `${root}wasm/pkg/${f}`);
const report = {
  node: process.version,
  cpu: cpus()[0].model,
  load: loadavg().map((x) => x.toFixed(2)).join(" "),
  rounds,
  median_us: med,
  min_us: best,
  ratio_vs_fastest_other: fastestOther / med["cgaws (wasm)"],
  wasm_bytes: size(wasmFile),
  wasm_gzip: gz(wasmFile),
  glue_bytes: glue.reduce((a, f) => a + size(f), 0),
  glue_gzip: glue.reduce((a, f) => a + gz(f), 0),
  oidc_wasm_gzip: gz(`${root}wasm/pkg/cgaws_oidc_bg.wasm`),
  verify_wasm_gzip: gz(`${root}wasm/pkg/cgaws_verify_bg.wasm`),
};
console.log(JSON.stringify(report, null, 2));
