// Types of the npm package `cgaws`: every entry point (Node ESM and CommonJS,
// browsers, workerd) has this same API. `cgaws/verify`: verify.d.ts.

/** AWS credentials, as the AWS SDKs name them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** For temporary credentials (roles, SSO, web identity). */
  sessionToken?: string | null;
}

/** A `Date`, or ISO 8601 / RFC 3339 text such as `2026-01-15T08:00:00Z`. Defaults to now. */
export type TimeInput = Date | string;

export interface GenerateTokenOptions {
  /** The Chainguard identity UIDP to assume: `<40 hex>/<16 hex>`. */
  identity: string;
  credentials: AwsCredentials;
  /** The issuer the token is for (`Chainguard-Audience`); default `https://issuer.enforce.dev`. */
  audience?: string;
  /** Sign for this region's STS endpoint instead of the global `sts.amazonaws.com`. */
  stsRegion?: string;
  time?: TimeInput;
}

/** The proof method: `gci` (default), the signed GetCallerIdentity blob; `oidc`, a JWT from STS GetWebIdentityToken. */
export type Method = "gci" | "oidc";

export interface GenerateTokenGciOptions extends GenerateTokenOptions {
  method?: "gci";
}

/** How STS is asked for the JWT with `method: "oidc"` (AWS IAM outbound identity federation). */
export interface OidcOptions {
  credentials: AwsCredentials;
  /** Call this region's STS endpoint (signed for it); default us-east-1's (GetWebIdentityToken is regional). */
  stsRegion?: string;
  /** Send the call here instead (e.g. a VPC endpoint or an emulator), signed for `stsRegion` (default us-east-1). */
  stsEndpoint?: string;
  /** How STS signs the JWT; default `ES384`. */
  oidcAlgorithm?: "ES384" | "RS256";
  /** The JWT's lifetime, 60 to 3600 seconds; default 300 (always sent, for policy conditions on sts:DurationSeconds). */
  oidcDuration?: number;
  /** When the STS call is signed; default now. */
  time?: TimeInput;
  fetch?: FetchLike;
  signal?: AbortSignal;
}

export interface GenerateTokenOidcOptions extends OidcOptions {
  method: "oidc";
  /** The JWT's `aud`: the issuer that will accept it; default `https://issuer.enforce.dev`. */
  audience?: string;
  /** Not needed: the JWT names the AWS principal, the identity's claim_match rule does the rest. */
  identity?: string;
}

/**
 * The AWS proof. `method: "gci"` (default): the token blob, a signed STS
 * GetCallerIdentity request, base64url with padding, synchronously.
 * `method: "oidc"`: a Promise of the JWT STS GetWebIdentityToken mints for the
 * caller (it needs a call to STS, so it cannot be synchronous); rejects with
 * `StsError` when STS refuses (`outbound_federation_disabled`, `access_denied`
 * carry the fix in `fix`).
 */
export function generateToken(options: GenerateTokenGciOptions): string;
export function generateToken(options: GenerateTokenOidcOptions): Promise<string>;

/** Any `fetch`-compatible function (the global one by default). */
export type FetchLike = (url: string, init: {
  method: string;
  /** As the core made them, `Host` included (runtimes' fetch set `Host` from the URL). */
  headers: [string, string][];
  body: string;
  redirect: "manual";
  signal?: AbortSignal;
}) => Promise<Response>;

interface ExchangeCommonOptions {
  /** The Chainguard identity UIDP to assume. */
  identity: string;
  /** Audience(s) of the Chainguard token; default `cgr.dev`. */
  audience?: string | string[];
  /** Issuer base URL; default `https://issuer.enforce.dev`. */
  issuer?: string;
  scopes?: string | string[];
  caps?: string | string[];
  fetch?: FetchLike;
  /** Aborts the request and any wait between attempts. */
  signal?: AbortSignal;
}

export interface ExchangeWithCredentials extends ExchangeCommonOptions {
  /** A fresh token is made with these, for the issuer. */
  credentials: AwsCredentials;
  method?: "gci";
  token?: undefined;
  stsRegion?: string;
  time?: TimeInput;
}

/** `method: "oidc"`: STS GetWebIdentityToken mints a JWT for the issuer (its `aud`), which is then exchanged. */
export interface ExchangeWithOidc extends ExchangeCommonOptions, OidcOptions {
  method: "oidc";
  token?: undefined;
}

export interface ExchangeWithToken extends ExchangeCommonOptions {
  /** A token blob made elsewhere, or an OIDC token (e.g. from STS GetWebIdentityToken). */
  token: string;
  credentials?: undefined;
}

export interface ChainguardToken {
  token: string;
  /** From the issuer's `expiry`, else the token's `exp`; null when neither says. */
  expiry: Date | null;
}

/**
 * Trades AWS credentials (or a token) for a Chainguard token at `<issuer>/sts/exchange`.
 * Three attempts at most, retrying only transient failures (gRPC UNAVAILABLE, or
 * HTTP 502/503 without a status body) after 100-200 ms; redirects are never followed.
 */
export function exchange(options: ExchangeWithCredentials | ExchangeWithOidc | ExchangeWithToken): Promise<ChainguardToken>;

/** Request headers: a plain object, a `Headers`, or `[name, value]` pairs. */
export type HeadersInput = Record<string, string | string[]> | Headers | [string, string][];

export interface SignOptions {
  /** Default `POST` for `sign`, `GET` for `presign`. */
  method?: string;
  /** Absolute http(s) URL, path and query as they go on the wire (already percent-encoded). */
  url: string | URL;
  headers?: HeadersInput;
  body?: Uint8Array | ArrayBuffer | ArrayBufferView | string;
  credentials: AwsCredentials;
  region: string;
  service: string;
  time?: TimeInput;
  /** Resolve `.`/`..` and repeated `/` before encoding the path; default true (false for S3). */
  normalizePath?: boolean;
  /** Sign `UNSIGNED-PAYLOAD` instead of the body's hash. */
  unsignedPayload?: boolean;
  /** Sign this hex SHA-256 instead of hashing the body. */
  payloadHash?: string;
  /** Also send and sign `x-amz-content-sha256` (sign only). */
  contentSha256Header?: boolean;
  /** Sign the session token (default), or add it after signing. */
  signSessionToken?: boolean;
}

export interface PresignOptions extends SignOptions {
  /** Seconds the URL stays valid, 1 to 604800; default 900. */
  expiresIn?: number;
}

export interface SignedRequest {
  method: string;
  /** For `presign`, the URL carrying the signature. */
  url: string;
  /** Every header to send, `Host` and the signature's included. */
  headers: Record<string, string>;
  signature: string;
  signedHeaders: string;
  canonicalRequest: string;
  stringToSign: string;
}

/** SigV4-signs a request (`Authorization` header). */
export function sign(options: SignOptions): SignedRequest;
/** SigV4-presigns a request (`X-Amz-*` query parameters). */
export function presign(options: PresignOptions): SignedRequest;

/** What a token says; the session token and most of the signature are redacted. */
export interface Inspection {
  method: string;
  host: string | null;
  path: string;
  query: string;
  /** In the token's order, values redacted where secret. */
  headers: [string, string][];
  signedHeaders: string[];
  audience: string | null;
  identity: string | null;
  amzDate: string | null;
  /** `amzDate` as a Date. */
  time: Date | null;
  accessKeyId: string | null;
  /** `DATE/REGION/SERVICE`. */
  credentialScope: string | null;
  hasSessionToken: boolean;
  /** The first 8 hex digits of the signature, then `…`. */
  signaturePrefix: string | null;
}

/** Decodes a token without checking it. Throws `PrecheckError` (`invalid_encoding`) if it cannot be read. */
export function inspect(token: string): Inspection;

export interface PrecheckOptions {
  /** The identity UIDP the caller asks for. */
  identity: string;
  /** Audience(s) this relying party answers to; default `https://issuer.enforce.dev`. */
  audience?: string | string[];
  /** STS hosts accepted; default only `sts.amazonaws.com`. */
  allowedHosts?: string[];
  now?: TimeInput;
  /** Default 300. */
  maxFutureSkewSecs?: number;
  /** Default 900. */
  maxAgeSecs?: number;
}

export interface Prechecked {
  host: string;
  identity: string;
  audience: string;
  time: Date;
  accessKeyId: string;
  region: string;
  service: string;
  signedHeaders: string[];
  /** The GetCallerIdentity request to forward to STS (check 8). */
  forward: { method: string; url: string; headers: Record<string, string>; body: string };
}

/** The relying party's checks 1-7 on a token, in order; throws `PrecheckError` at the first failure. */
export function precheck(token: string, options: PrecheckOptions): Prechecked;

/**
 * Loads the wasm. Needed once in browsers and web workers (`cgaws/web`); a no-op
 * in Node and workerd, where importing the package is enough. `oidc`: where
 * `method: "oidc"`'s own wasm (`cgaws_oidc_bg.wasm`, loaded on its first use)
 * comes from, for bundlers that move the package's files; by default it is
 * fetched next to the module.
 */
export function init(
  input?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
  oidc?: string | URL | Request | Response | BufferSource | WebAssembly.Module,
): Promise<void>;
export function initSync(module?: BufferSource | WebAssembly.Module, oidc?: BufferSource | WebAssembly.Module): void;

export type InvalidInputCode =
  | "invalid_argument"
  | "invalid_time"
  | "invalid_identity"
  | "invalid_audience"
  | "invalid_region"
  | "no_fips_endpoint"
  | "invalid_url"
  | "invalid_header_name"
  | "invalid_header_value"
  | "empty_region"
  | "empty_service"
  | "missing_host"
  | "invalid_expiry"
  | "invalid_issuer"
  | "invalid_parameter"
  | "invalid_jwt"
  | "invalid_method"
  | "invalid_algorithm"
  | "invalid_duration"
  | "invalid_rule";
export type CredentialsCode = "empty_access_key_id" | "empty_secret_access_key" | "invalid_character";
export type ExchangeCode =
  | "redirected"
  | "rejected"
  | "permission_denied"
  | "malformed_response"
  | "response_too_large"
  | "network_error";
export type PrecheckCode =
  | "invalid_encoding"
  | "duplicate_header"
  | "method_not_post"
  | "missing_host"
  | "host_mismatch"
  | "host_not_allowed"
  | "missing_authorization"
  | "malformed_authorization"
  | "binding_headers_not_signed"
  | "missing_audience"
  | "invalid_audience"
  | "missing_identity"
  | "invalid_identity"
  | "missing_date"
  | "invalid_date"
  | "future_dated"
  | "expired";

/** The base of every error this package throws. `code` is stable; messages may change. */
export class CgawsError extends Error {
  readonly code: string;
}
export class InvalidInputError extends CgawsError {
  readonly code: InvalidInputCode;
}
export class CredentialsError extends CgawsError {
  readonly code: CredentialsCode;
}
export class ExchangeError extends CgawsError {
  readonly code: ExchangeCode;
  /** The issuer's HTTP status (redirected, rejected, permission_denied). */
  readonly status?: number;
  /** The gRPC status code and name from the issuer's error body, when it sent one. */
  readonly grpcCode?: number;
  readonly grpcStatus?: string;
  /** Where a redirect pointed, when the runtime shows it (browsers do not). */
  readonly location?: string | null;
}
export class PrecheckError extends CgawsError {
  readonly code: PrecheckCode;
  /** The number of the failed check (PROTOCOL.md §3). */
  readonly check: number;
}
export type StsCode = "outbound_federation_disabled" | "access_denied" | "rejected" | "malformed_response" | "network_error";
/** STS GetWebIdentityToken (`method: "oidc"`) failed. */
export class StsError extends CgawsError {
  readonly code: StsCode;
  /** STS's HTTP status, when it answered. */
  readonly status?: number;
  /** STS's error code, e.g. `AccessDenied`, `OutboundWebIdentityFederationDisabledException`. */
  readonly stsCode?: string | null;
  /** What to do about it (outbound_federation_disabled, access_denied: the minimal policy statement). */
  readonly fix?: string;
}
