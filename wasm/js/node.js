// cgaws for Node.js, ES module: the wasm is read and instantiated on import,
// so no init() is needed; method "oidc"'s (cgaws_oidc_bg.wasm) on first use.
import { readFileSync } from "node:fs";
import crypto from "node:crypto";
import { initSync as instantiate, use_host_sha256 } from "./cgaws.js";
import { createApi } from "./api.js";

const wasm = instantiate({ module: readFileSync(new URL("./cgaws_bg.wasm", import.meta.url)) });
// Signing takes its SHA-256 (of the ~1.4 KB canonical request) from node:crypto,
// which uses the CPU's SHA instructions, instead of from wasm: a few times
// faster. `data` and `out` are views of the wasm memory: only the digest is copied.
// The digest comes as latin1 text (one char per byte): getting it as a Buffer
// costs about 0.4 µs more (the Buffer's allocation), a third of the call.
function putLatin1(digest, out) {
  for (let i = 0; i < 32; i++) out[i] = digest.charCodeAt(i);
}
use_host_sha256({
  sha256: crypto.hash
    ? (data, out) => putLatin1(crypto.hash("sha256", data, "latin1"), out)
    : (data, out) => putLatin1(crypto.createHash("sha256").update(data).digest("latin1"), out),
});

export const { generateToken, exchange, sign, presign, inspect, precheck } = createApi(() => wasm, {
  // Buffer's latin1 decoding of the (ASCII) token is about 3x cheaper than TextDecoder.
  decodeAscii: (mem, start, end) => Buffer.prototype.latin1Slice.call(mem, start, end),
  // method "oidc": its own .wasm, read and instantiated on first use.
  loadOidc: async () => {
    const { initSync: instantiateOidc } = await import("./cgaws_oidc.js");
    return instantiateOidc({ module: readFileSync(new URL("./cgaws_oidc_bg.wasm", import.meta.url)) });
  },
});
export { CgawsError, InvalidInputError, CredentialsError, ExchangeError, PrecheckError, StsError } from "./api.js";

/** Nothing to do in Node (done on import); here so that code shared with browsers can call it. */
export async function init() {}
/** Nothing to do in Node (done on import). */
export function initSync() {}
