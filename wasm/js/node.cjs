"use strict";
// cgaws for Node.js, CommonJS: the wasm is instantiated on require, so no
// init() is needed; method "oidc"'s (cgaws_oidc_bg.wasm) on first use. (ES
// module importers get node.js, separate instances.)
const crypto = require("node:crypto");
const glue = require("./cgaws.cjs");
const api = require("./api.cjs");

// SHA-256 from node:crypto instead of wasm, as in node.js (see there).
function putLatin1(digest, out) {
  for (let i = 0; i < 32; i++) out[i] = digest.charCodeAt(i);
}
glue.use_host_sha256({
  sha256: crypto.hash
    ? (data, out) => putLatin1(crypto.hash("sha256", data, "latin1"), out)
    : (data, out) => putLatin1(crypto.createHash("sha256").update(data).digest("latin1"), out),
});

const { generateToken, exchange, sign, presign, inspect, precheck } = api.createApi(() => glue.__wasm, {
  // Buffer's latin1 decoding of the (ASCII) token is about 3x cheaper than TextDecoder.
  decodeAscii: (mem, start, end) => Buffer.prototype.latin1Slice.call(mem, start, end),
  // method "oidc": its own .wasm, which its glue reads and instantiates when first required.
  loadOidc: () => require("./cgaws_oidc.cjs").__wasm,
});

module.exports = {
  generateToken,
  exchange,
  sign,
  presign,
  inspect,
  precheck,
  CgawsError: api.CgawsError,
  InvalidInputError: api.InvalidInputError,
  CredentialsError: api.CredentialsError,
  ExchangeError: api.ExchangeError,
  PrecheckError: api.PrecheckError,
  StsError: api.StsError,
  /** Nothing to do in Node (done on require); here so that code shared with browsers can call it. */
  init: async () => {},
  /** Nothing to do in Node (done on require). */
  initSync: () => {},
};
