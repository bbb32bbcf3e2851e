// cgaws/verify for browsers, web workers and other ES module runtimes: call
// `await init()` once (cgaws_verify_bg.wasm is fetched next to this file), or
// `await init(urlOrResponseOrBytesOrModule)`, or `initSync(moduleOrBytes)`.
import instantiate, { initSync as instantiateSync } from "./cgaws_verify.js";
import { createVerifyApi } from "./verify-api.js";
import { webInstance } from "./api.js";

const instance = webInstance(instantiate, instantiateSync, "cgaws/verify");

/** Loads the wasm: from `input` (a URL, Response, bytes or WebAssembly.Module), else from next to this file. */
export function init(input) {
  return instance.init(input);
}

/** Instantiates synchronously from a WebAssembly.Module or the wasm bytes. */
export function initSync(module) {
  instance.initSync(module);
}

export const { verify } = createVerifyApi(instance.exports);
export { CgawsError, InvalidInputError, PrecheckError, VerifyError } from "./api.js";
