// cgaws/verify for Node.js, ES module: the relying party's `verify`, with the
// identity rules, in its own .wasm (instantiated on import, no init() needed).
// The STS request goes out through a fetch on node:http(s) that keeps the
// token's signed Host header when it is sent to another endpoint.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { initSync as instantiate } from "./cgaws_verify.js";
import { createVerifyApi, hostKeepingFetch } from "./verify-api.js";

const wasm = instantiate({ module: readFileSync(new URL("./cgaws_verify_bg.wasm", import.meta.url)) });

export const { verify } = createVerifyApi(() => wasm, {
  defaultFetch: hostKeepingFetch(http, https),
  // As the CLI and Python: AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL.
  defaultStsEndpoint: () => process.env.AWS_ENDPOINT_URL_STS || process.env.AWS_ENDPOINT_URL || undefined,
});
export { CgawsError, InvalidInputError, PrecheckError, VerifyError } from "./api.js";

/** Nothing to do in Node (done on import); here so that code shared with browsers can call it. */
export async function init() {}
/** Nothing to do in Node (done on import). */
export function initSync() {}
