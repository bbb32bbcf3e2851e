"use strict";
// cgaws for Node.js, CommonJS: the wasm is instantiated on require, so no
// init() is needed. (ES module importers get node.js, a separate instance.)
const glue = require("./cgaws.cjs");
const api = require("./api.cjs");

const { generateToken, exchange, sign, presign, inspect, precheck } = api.createApi(() => glue.__wasm, {
  // Buffer's latin1 decoding of the (ASCII) token is about 3x cheaper than TextDecoder.
  decodeAscii: (mem, start, end) => Buffer.prototype.latin1Slice.call(mem, start, end),
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
