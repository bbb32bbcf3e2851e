// Types of `cgaws/verify`: the relying party's `verify`, in its own .wasm
// (identity rules need a regex engine the main entry does not carry).
import type { TimeInput, FetchLike, CgawsError } from "./index.js";
export { CgawsError, InvalidInputError, PrecheckError } from "./index.js";

export interface VerifyOptions {
  /** The identity UIDP the caller asks for. */
  identity: string;
  /** Audience(s) this relying party answers to; default `https://issuer.enforce.dev`. */
  audience?: string | string[];
  /**
   * The identity's rule: chainctl's `id.json` (either protobuf-JSON spelling)
   * or Terraform's field names, as a JSON string or an object. Patterns are
   * RE2, searched, not anchored, as the issuer reads them. Without one, any
   * caller STS vouches for passes.
   */
  rule?: string | object;
  /** STS hosts accepted; default only `sts.amazonaws.com`. */
  allowedHosts?: string[];
  /**
   * Send the request here instead of `https://<the token's STS host>/` (an
   * emulator, a VPC endpoint); the signed `Host` header is kept. In Node the
   * default is `AWS_ENDPOINT_URL_STS`, then `AWS_ENDPOINT_URL`, and the request
   * goes out through node:http(s), which sends that `Host`; elsewhere pass a
   * `fetch` that does (browsers' and workerd's fetch set `Host` from the URL).
   */
  stsEndpoint?: string;
  now?: TimeInput;
  /** Default 300. */
  maxFutureSkewSecs?: number;
  /** Default 900. */
  maxAgeSecs?: number;
  /** Default: in Node one on node:http(s) (see stsEndpoint), elsewhere the global fetch. */
  fetch?: FetchLike;
  signal?: AbortSignal;
}

/** One field of the rule against the caller. */
export interface FieldVerdict {
  /** The rule's field name, e.g. `arn_pattern` (`aws_arn_pattern` in Terraform). */
  field: string;
  /** The rule's value (exact or pattern); null when unset. */
  expected: string | null;
  /** The caller's value. */
  actual: string;
  matched: boolean;
  /** Why it fails; null when it matches. */
  reason: string | null;
  /** What to write instead, when a fix can be given. */
  suggestion: string | null;
}

/** Who STS says signed the token (GetCallerIdentity). */
export interface Caller {
  account: string;
  arn: string;
  userId: string;
}

export interface Verified {
  caller: Caller;
  identity: string;
  audience: string;
  /** When the token was signed (`X-Amz-Date`). */
  signedAt: Date;
  stsHost: string;
  /** Every field's verdict when a rule was given (all matched), else null. */
  verdict: FieldVerdict[] | null;
}

/**
 * Verifies a token as the Chainguard issuer does (PROTOCOL.md §3): checks 1-7
 * (rejects with `PrecheckError`), then sends the signed GetCallerIdentity
 * request to STS (check 8) and, with `rule`, matches the caller (check 9);
 * those reject with `VerifyError`.
 */
export function verify(token: string, options: VerifyOptions): Promise<Verified>;

export type VerifyCode = "rejected_by_sts" | "invalid_sts_answer" | "rule_not_matched" | "network_error";
export class VerifyError extends CgawsError {
  readonly code: VerifyCode;
  /** 8 (STS) or 9 (the rule); absent for network_error, which is no verdict on the token. */
  readonly check?: number;
  /** STS's HTTP status and error code (rejected_by_sts). */
  readonly stsStatus?: number;
  readonly stsCode?: string;
  /** The caller and the per-field verdict (rule_not_matched). */
  readonly caller?: Caller;
  readonly verdict?: FieldVerdict[];
}

/** Loads the wasm (cgaws_verify_bg.wasm); needed once in browsers and web workers, a no-op in Node and workerd. */
export function init(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;
export function initSync(module?: BufferSource | WebAssembly.Module): void;
