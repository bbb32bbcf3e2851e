// cgaws for Node.js, ES module: the wasm is read and instantiated on import,
// so no init() is needed.
import { readFileSync } from "node:fs";
import { initSync as instantiate } from "./cgaws.js";
import { createApi } from "./api.js";

const wasm = instantiate({ module: readFileSync(new URL("./cgaws_bg.wasm", import.meta.url)) });

export const { generateToken, exchange, sign, presign, inspect, precheck } = createApi(() => wasm, {
  // Buffer's latin1 decoding of the (ASCII) token is about 3x cheaper than TextDecoder.
  decodeAscii: (mem, start, end) => Buffer.prototype.latin1Slice.call(mem, start, end),
});
export { CgawsError, InvalidInputError, CredentialsError, ExchangeError, PrecheckError, StsError } from "./api.js";

/** Nothing to do in Node (done on import); here so that code shared with browsers can call it. */
export async function init() {}
/** Nothing to do in Node (done on import). */
export function initSync() {}
