// cgaws/verify for browsers, web workers and other ES module runtimes: call
// `await init()` once (cgaws_verify_bg.wasm is fetched next to this file), or
// `await init(urlOrResponseOrBytesOrModule)`, or `initSync(moduleOrBytes)`.
import instantiate, { initSync as instantiateSync } from "./cgaws_verify.js";
import { createVerifyApi } from "./verify-api.js";
import { CgawsError } from "./api.js";

let wasm = null;
let pending = null;

/** Loads the wasm: from `input` (a URL, Response, bytes or WebAssembly.Module), else from next to this file. */
export function init(input) {
  if (wasm !== null) return Promise.resolve();
  if (pending === null) {
    pending = instantiate(input === undefined ? undefined : { module_or_path: input }).then(
      (exports) => {
        wasm = exports;
      },
      (error) => {
        pending = null;
        throw error;
      },
    );
  }
  return pending;
}

/** Instantiates synchronously from a WebAssembly.Module or the wasm bytes. */
export function initSync(module) {
  if (wasm === null) wasm = instantiateSync({ module });
}

export const { verify } = createVerifyApi(() => {
  if (wasm === null) {
    throw new CgawsError("not_initialized", "cgaws/verify is not initialized: call `await init()` (or initSync) first");
  }
  return wasm;
});
export { CgawsError, InvalidInputError, PrecheckError, VerifyError } from "./api.js";
