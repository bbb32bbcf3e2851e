// cgaws for browsers, web workers and other ES module runtimes: call
// `await init()` once (the wasm is fetched next to this file), or
// `await init(urlOrResponseOrBytesOrModule)`, or `initSync(moduleOrBytes)`.
// method "oidc" has its own .wasm (cgaws_oidc_bg.wasm), fetched on first use
// from next to this file, or from the second argument of init/initSync.
import instantiate, { initSync as instantiateSync } from "./cgaws.js";
import { createApi, webInstance } from "./api.js";

const instance = webInstance(instantiate, instantiateSync, "cgaws");
// Where method "oidc"'s wasm comes from (undefined: next to cgaws_oidc.js).
let oidcInput;

/**
 * Loads the wasm: from `input` (a URL, Response, bytes or WebAssembly.Module),
 * else from next to this file. `oidc` (the same kinds) is where method "oidc"'s
 * wasm will come from when first used.
 */
export function init(input, oidc) {
  if (oidc !== undefined) oidcInput = oidc;
  return instance.init(input);
}

/** Instantiates synchronously from a WebAssembly.Module or the wasm bytes; `oidc` as for init. */
export function initSync(module, oidc) {
  if (oidc !== undefined) oidcInput = oidc;
  instance.initSync(module);
}

export const { generateToken, exchange, sign, presign, inspect, precheck } = createApi(
  instance.exports,
  {
    // A separate chunk for bundlers; its glue fetches cgaws_oidc_bg.wasm next to itself by default.
    loadOidc: () =>
      import("./cgaws_oidc.js").then((glue) => glue.default(oidcInput === undefined ? undefined : { module_or_path: oidcInput })),
  },
);
export { CgawsError, InvalidInputError, CredentialsError, ExchangeError, PrecheckError, StsError } from "./api.js";
