// cgaws for Node.js, ES module: the wasm is read and instantiated on import,
// so no init() is needed.
import { readFileSync } from "node:fs";
import { initSync as instantiate } from "./cgaws.js";
import { createApi } from "./api.js";

const wasm = instantiate({ module: readFileSync(new URL("./cgaws_bg.wasm", import.meta.url)) });

export const { generateToken, exchange, sign, presign, inspect, precheck } = createApi(() => wasm);
export { CgawsError, InvalidInputError, CredentialsError, ExchangeError, PrecheckError } from "./api.js";

/** Nothing to do in Node (done on import); here so that code shared with browsers can call it. */
export async function init() {}
/** Nothing to do in Node (done on import). */
export function initSync() {}
