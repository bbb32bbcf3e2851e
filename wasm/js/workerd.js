// cgaws for Cloudflare Workers (workerd) and bundlers that import `.wasm` files
// as a WebAssembly.Module: instantiated on import, so no init() is needed.
import module from "./cgaws_bg.wasm";
import { initSync as instantiateSync } from "./cgaws.js";
import { createApi } from "./api.js";

const wasm = instantiateSync({ module });

export const { generateToken, exchange, sign, presign, inspect, precheck } = createApi(() => wasm);
export { CgawsError, InvalidInputError, CredentialsError, ExchangeError, PrecheckError, StsError } from "./api.js";

/** Nothing to do here (done on import); here so that code shared with browsers can call it. */
export async function init() {}
/** Nothing to do here (done on import). */
export function initSync() {}
