// cgaws for Cloudflare Workers (workerd) and bundlers that import `.wasm` files
// as a WebAssembly.Module: instantiated on import, so no init() is needed.
// method "oidc"'s .wasm is bundled too (a worker has no files to read later),
// and instantiated on first use.
import module from "./cgaws_bg.wasm";
import oidcModule from "./cgaws_oidc_bg.wasm";
import { initSync as instantiateSync } from "./cgaws.js";
import { initSync as instantiateOidc } from "./cgaws_oidc.js";
import { createApi } from "./api.js";

const wasm = instantiateSync({ module });

export const { generateToken, exchange, sign, presign, inspect, precheck } = createApi(() => wasm, {
  loadOidc: () => instantiateOidc({ module: oidcModule }),
});
export { CgawsError, InvalidInputError, CredentialsError, ExchangeError, PrecheckError, StsError } from "./api.js";

/** Nothing to do here (done on import); here so that code shared with browsers can call it. */
export async function init() {}
/** Nothing to do here (done on import). */
export function initSync() {}
