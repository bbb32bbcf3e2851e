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

/** The emulator stack's state (wasm/test.sh starts it), or null when CGAWS_EMULATOR_STATE is not set. */
export const state = process.env.CGAWS_EMULATOR_STATE ? JSON.parse(readFileSync(process.env.CGAWS_EMULATOR_STATE, "utf8")) : null;

/** Temporary credentials of the test role, from the IMDS emulator. */
export async function roleCredentials(s) {
  const token = await (await fetch(`${s.imds_url}/latest/api/token`, { method: "PUT", headers: { "X-aws-ec2-metadata-token-ttl-seconds": "60" } })).text();
  const doc = await (await fetch(`${s.imds_url}/latest/meta-data/iam/security-credentials/${s.imds_role_name}`, { headers: { "X-aws-ec2-metadata-token": token } })).json();
  return { accessKeyId: doc.AccessKeyId, secretAccessKey: doc.SecretAccessKey, sessionToken: doc.Token };
}

/** A JWT's header and claims (not verified). */
export function jwtParts(jwt) {
  const [header, payload] = jwt.split(".").slice(0, 2).map((p) => JSON.parse(Buffer.from(p, "base64url").toString("utf8")));
  return { header, claims: payload };
}

/** Verifies a JWT issued by the issuer emulator against its published keys; returns the claims. */
export async function verifyIssued(s, jwt) {
  const { createPublicKey, verify } = await import("node:crypto");
  const { header, claims } = jwtParts(jwt);
  const keys = (await (await fetch(`${s.issuer_url}/.well-known/keys`)).json()).keys;
  const jwk = keys.find((k) => k.kid === header.kid) || keys[0];
  const [h, p, sig] = jwt.split(".");
  const ok = verify("RSA-SHA256", Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: "jwk" }), Buffer.from(sig, "base64url"));
  if (header.alg !== "RS256" || !ok) throw new Error(`the issuer's token does not verify (alg ${header.alg})`);
  return claims;
}
