// Shared by the wasm/ tests: the vectors and the paths.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../", import.meta.url));
export const pkg = `${root}wasm/pkg`;
export const vectors = JSON.parse(readFileSync(`${root}tests/vectors/token-vectors.json`, "utf8")).vectors;

/** generateToken's options for a vector of tests/vectors/token-vectors.json. */
export function vectorOptions(v) {
  return {
    identity: v.identity,
    credentials: { accessKeyId: v.access_key_id, secretAccessKey: v.secret_access_key, sessionToken: v.session_token },
    audience: v.audience,
    stsRegion: v.sts_host === "sts.amazonaws.com" ? undefined : v.sts_region,
    time: v.time,
  };
}

/** The signature and signed headers inside a token (its Authorization header). */
export function signatureOf(token) {
  const text = Buffer.from(token, "base64url").toString("latin1");
  const m = /\r\nAuthorization: AWS4-HMAC-SHA256 Credential=[^,]+, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})\r\n/.exec(text);
  if (!m) throw new Error(`no Authorization header in ${text}`);
  return { signedHeaders: m[1], signature: m[2] };
}
