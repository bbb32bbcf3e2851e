// cgaws/verify for Cloudflare Workers (workerd) and bundlers that import
// `.wasm` files as a WebAssembly.Module: instantiated on import, no init() needed.
import module from "./cgaws_verify_bg.wasm";
import { initSync as instantiateSync } from "./cgaws_verify.js";
import { createVerifyApi } from "./verify-api.js";

const wasm = instantiateSync({ module });

export const { verify } = createVerifyApi(() => wasm);
export { CgawsError, InvalidInputError, PrecheckError, VerifyError } from "./api.js";

/** Nothing to do here (done on import); here so that code shared with browsers can call it. */
export async function init() {}
/** Nothing to do here (done on import). */
export function initSync() {}
