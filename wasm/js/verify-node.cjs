"use strict";
// cgaws/verify for Node.js, CommonJS: see verify-node.js.
const http = require("node:http");
const https = require("node:https");
const glue = require("./cgaws_verify.cjs");
const api = require("./api.cjs");
const { createVerifyApi, hostKeepingFetch } = require("./verify-api.cjs");

const { verify } = createVerifyApi(() => glue.__wasm, {
  defaultFetch: hostKeepingFetch(http, https),
  // As the CLI and Python: AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL.
  defaultStsEndpoint: () => process.env.AWS_ENDPOINT_URL_STS || process.env.AWS_ENDPOINT_URL || undefined,
});

module.exports = {
  verify,
  CgawsError: api.CgawsError,
  InvalidInputError: api.InvalidInputError,
  PrecheckError: api.PrecheckError,
  VerifyError: api.VerifyError,
  /** Nothing to do in Node (done on require); here so that code shared with browsers can call it. */
  init: async () => {},
  /** Nothing to do in Node (done on require). */
  initSync: () => {},
};
