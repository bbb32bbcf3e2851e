// The JavaScript API of `cgaws`, over the wasm exports of `cgaws-wasm`; the
// helpers it exports are also verify-api.js's (not part of the package's API).
//
// Shared by every entry point (Node ESM and CommonJS, browsers, workerd): each
// entry instantiates the wasm its own way and calls `createApi`. This file
// only converts values and moves bytes; the protocol (SigV4, the token, the
// relying party's checks, the exchange's retry and redirect rules) is the
// Rust core's. `wasm/build.sh` writes a CommonJS copy of it (api.cjs).

/** The base of every error this package throws; `code` is stable. */
export class CgawsError extends Error {
  constructor(code, message, fields) {
    super(message, fields && fields.cause !== undefined ? { cause: fields.cause } : undefined);
    this.code = code;
    if (fields) {
      for (const key of Object.keys(fields)) {
        if (key !== "cause" && key !== "kind" && key !== "message" && key !== "code") this[key] = fields[key];
      }
    }
  }
}
CgawsError.prototype.name = "CgawsError";

/** A bad argument: a malformed identity, time, region, URL, header... */
export class InvalidInputError extends CgawsError {}
InvalidInputError.prototype.name = "InvalidInputError";

/** AWS credentials that cannot sign anything. */
export class CredentialsError extends CgawsError {}
CredentialsError.prototype.name = "CredentialsError";

/** The exchange with the issuer failed (refused, redirected, unreachable...). */
export class ExchangeError extends CgawsError {}
ExchangeError.prototype.name = "ExchangeError";

/** A token failed one of the relying party's checks; `check` is its number. */
export class PrecheckError extends CgawsError {}
PrecheckError.prototype.name = "PrecheckError";

/** STS refused or failed the `GetWebIdentityToken` call of `method: "oidc"`; `fix` says what to change when known. */
export class StsError extends CgawsError {}
StsError.prototype.name = "StsError";

/** `verify` refused a token at check 8 (STS) or 9 (the identity's rule), or could not reach STS. */
export class VerifyError extends CgawsError {}
VerifyError.prototype.name = "VerifyError";

const ERROR_CLASSES = {
  input: InvalidInputError,
  credentials: CredentialsError,
  exchange: ExchangeError,
  precheck: PrecheckError,
  sts: StsError,
  verify: VerifyError,
};

/** An error from its fields: kind, code, message, then name/value pairs (`#name`: a number). */
function fromFields(fields) {
  const Class = ERROR_CLASSES[fields[0]] || CgawsError;
  const extra = {};
  for (let i = 3; i + 1 < fields.length; i += 2) {
    const name = fields[i];
    if (name.startsWith("#")) extra[name.slice(1)] = Number(fields[i + 1]);
    else extra[name] = fields[i + 1];
  }
  return new Class(fields[1], fields[2], extra);
}

export function invalid(message, code = "invalid_argument") {
  return new InvalidInputError(code, message);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);
/** The length of a field that is not given. */
const ABSENT = 0xffffffff;

// `sign` flags (wasm/src/ops.rs).
const PRESIGN = 1;
const NORMALIZE_PATH = 2;
const UNSIGNED_PAYLOAD = 4;
const CONTENT_SHA256_HEADER = 8;
const SIGN_SESSION_TOKEN = 16;

export function isObject(value) {
  return typeof value === "object" && value !== null;
}

export function optionalString(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalid(`${name} must be a string`);
  return value;
}

export function requiredString(value, name) {
  if (typeof value !== "string") throw invalid(`${name} is required and must be a string`);
  return value;
}

/**
 * A time as `[text, seconds]`: ISO 8601 text is passed as it is (the core
 * parses it); a `Date`, or nothing (now), as seconds.
 */
export function timeValue(time, name = "time") {
  if (time === undefined || time === null) return [undefined, Date.now() / 1000];
  if (typeof time === "string") return [time, 0];
  if (time instanceof Date) {
    const ms = time.getTime();
    if (Number.isNaN(ms)) throw invalid(`${name} is an invalid Date`, "invalid_time");
    return [undefined, ms / 1000];
  }
  throw invalid(`${name} must be a Date or an ISO 8601 string`, "invalid_time");
}

/** A number option as a number, NaN when not given. */
export function numberValue(value, name) {
  if (value === undefined || value === null) return NaN;
  if (typeof value !== "number" || !Number.isFinite(value)) throw invalid(`${name} must be a number`);
  return value;
}

/** A string or strings as a counted list of fields: [count, ...items]; nothing when not given. */
export function listFields(value, name) {
  if (value === undefined || value === null) return [undefined];
  const items = typeof value === "string" ? [value] : value;
  if (!Array.isArray(items) || items.some((i) => typeof i !== "string")) {
    throw invalid(`${name} must be a string or an array of strings`);
  }
  return [String(items.length), ...items];
}

/** Credentials as three fields. */
function credentialFields(credentials) {
  if (!isObject(credentials)) throw invalid("credentials must be an object { accessKeyId, secretAccessKey, sessionToken? }");
  return [
    requiredString(credentials.accessKeyId, "credentials.accessKeyId"),
    requiredString(credentials.secretAccessKey, "credentials.secretAccessKey"),
    optionalString(credentials.sessionToken, "credentials.sessionToken"),
  ];
}

/** Headers as `[name, value]` pairs, from a plain object, a `Headers` or pairs. */
function headerPairs(headers) {
  if (headers === undefined || headers === null) return [];
  const pairs = [];
  const add = (name, value) => {
    if (typeof name !== "string") throw invalid("header names must be strings");
    if (Array.isArray(value)) {
      for (const v of value) pairs.push([name, String(v)]);
    } else {
      pairs.push([name, String(value)]);
    }
  };
  if (Array.isArray(headers)) {
    for (const pair of headers) {
      if (!Array.isArray(pair) || pair.length !== 2) throw invalid("headers given as a list must be [name, value] pairs");
      add(pair[0], pair[1]);
    }
  } else if (typeof headers.forEach === "function" && typeof headers.get === "function") {
    headers.forEach((value, name) => add(name, value));
  } else if (isObject(headers)) {
    for (const name of Object.keys(headers)) {
      if (headers[name] !== undefined) add(name, headers[name]);
    }
  } else {
    throw invalid("headers must be an object, a Headers or [name, value] pairs");
  }
  return pairs;
}

/** Pairs back into a plain object; repeated names are joined with ", " as HTTP allows. */
function headerObject(pairs) {
  const out = {};
  for (const [name, value] of pairs) {
    out[name] = Object.prototype.hasOwnProperty.call(out, name) ? `${out[name]}, ${value}` : value;
  }
  return out;
}

function bodyBytes(body) {
  if (body === undefined || body === null) return EMPTY;
  if (typeof body === "string") return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw invalid("body must be a Uint8Array, an ArrayBuffer or a string");
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Reads at most `limit + 1` bytes of a response body: enough for the core to see it is too large. */
async function readBounded(response, limit) {
  if (!response.body) return new Uint8Array(await response.arrayBuffer()).subarray(0, limit + 1);
  const reader = response.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  if (chunks.length === 1) return chunks[0].subarray(0, limit + 1);
  const out = new Uint8Array(Math.min(total, limit + 1));
  let at = 0;
  for (const chunk of chunks) {
    const take = Math.min(chunk.byteLength, out.length - at);
    out.set(chunk.subarray(0, take), at);
    at += take;
    if (at === out.length) break;
  }
  return out;
}


/**
 * What `precheck` and `verify` both take for checks 1-7: the field list
 * (token, identity, `now`, audiences, allowed hosts) and the numbers (`now` in
 * seconds, the skew and age bounds) that the wasm reads.
 */
export function precheckInputs(token, options) {
  const [text, secs] = timeValue(options.now, "now");
  const fields = [
    requiredString(token, "token"),
    requiredString(options.identity, "identity"),
    text,
    ...listFields(options.audience, "audience"),
    ...listFields(options.allowedHosts, "allowedHosts"),
  ];
  const skew = numberValue(options.maxFutureSkewSecs, "maxFutureSkewSecs");
  const age = numberValue(options.maxAgeSecs, "maxAgeSecs");
  return { fields, secs, skew, age };
}

/**
 * The bridge to one wasm instance: `getWasm()` returns the instance's raw
 * exports (see wasm/src/lib.rs), `decodeAscii(mem, start, end)` an optional
 * fast decoder of ASCII text. Arguments go in as a field list written into the
 * instance's scratch buffer; results come back as a field list.
 */
export function createBridge(getWasm, decodeAscii) {
  let wasm = null;
  // The byte view of the wasm memory (replaced when the memory grows, which
  // detaches it) and the scratch buffer inside it.
  let view = EMPTY;
  let scratchPtr = 0;
  let scratchLen = 0;

  function instance() {
    if (wasm === null) wasm = getWasm();
    return wasm;
  }

  function memory() {
    if (view.byteLength === 0) view = new Uint8Array(wasm.memory.buffer);
    return view;
  }

  function reserve(len) {
    if (len > scratchLen) {
      scratchPtr = wasm.scratch(len) >>> 0;
      scratchLen = len;
      view = EMPTY;
    }
    return memory();
  }

  function putU32(mem, at, value) {
    mem[at] = value & 0xff;
    mem[at + 1] = (value >>> 8) & 0xff;
    mem[at + 2] = (value >>> 16) & 0xff;
    mem[at + 3] = value >>> 24;
  }

  /** Writes `text` as UTF-8 at `at`, returns its length in bytes. */
  function putString(mem, at, text, end) {
    const n = text.length;
    // Short ASCII text is copied by hand: cheaper than encodeInto's setup.
    if (n < 128) {
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c > 0x7f) break;
        mem[at + i] = c;
      }
      if (i === n) return n;
    }
    return encoder.encodeInto(text, mem.subarray(at, end)).written;
  }

  /** Writes the argument fields (strings, byte arrays, or undefined for absent). */
  function writeFields(values) {
    const n = values.length;
    let size = 4 + 4 * n;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== undefined && v !== null) size += typeof v === "string" ? 3 * v.length : v.byteLength;
    }
    const mem = reserve(size);
    const end = scratchPtr + size;
    putU32(mem, scratchPtr, n);
    let at = scratchPtr + 4 + 4 * n;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      let len = ABSENT;
      if (typeof v === "string") {
        len = putString(mem, at, v, end);
      } else if (v !== undefined && v !== null) {
        mem.set(v, at);
        len = v.byteLength;
      }
      if (len !== ABSENT) at += len;
      putU32(mem, scratchPtr + 4 + 4 * i, len);
    }
  }

  /** Reads the result fields of a call that returned `len`; throws the error if it failed. */
  function readFields(len) {
    const mem = memory();
    const ptr = wasm.output_ptr() >>> 0;
    const n = getU32(mem, ptr);
    const out = new Array(n);
    let at = ptr + 4 + 4 * n;
    for (let i = 0; i < n; i++) {
      const fieldLen = getU32(mem, ptr + 4 + 4 * i);
      if (fieldLen === ABSENT) {
        out[i] = null;
      } else {
        out[i] = decoder.decode(mem.subarray(at, at + fieldLen));
        at += fieldLen;
      }
    }
    if (len < 0) throw fromFields(out);
    return out;
  }

  /** The one field of the last result, ASCII (the token), without a field list's array. */
  function readSingleAscii() {
    const mem = memory();
    const ptr = wasm.output_ptr() >>> 0;
    return decodeAscii(mem, ptr + 8, ptr + 8 + getU32(mem, ptr + 4));
  }

  /** Runs `op` (a raw export, called on the instance) on `fields`, returns the result fields. */
  function run(fields, op) {
    instance();
    writeFields(fields);
    return readFields(op(wasm));
  }

  return { instance, writeFields, readFields, readSingleAscii, run };
}

function getU32(mem, at) {
  return (mem[at] | (mem[at + 1] << 8) | (mem[at + 2] << 16) | (mem[at + 3] << 24)) >>> 0;
}

function pairsFrom(out, start) {
  const pairs = [];
  for (let i = start; i + 1 < out.length; i += 2) pairs.push([out[i], out[i + 1]]);
  return pairs;
}

export function fetchOf(options, fallback) {
  const fetchFn = options.fetch === undefined || options.fetch === null ? fallback || globalThis.fetch : options.fetch;
  if (typeof fetchFn !== "function") throw invalid("no fetch: pass options.fetch where there is no global fetch");
  return fetchFn;
}

/**
 * Sends the request in result fields `r` (method, URL, body, header pairs from
 * `start`) with `fetchFn`, never following a redirect, and reads at most
 * `limit + 1` bytes of the answer. `failed(message, cause)` makes the error for
 * a request that got no answer.
 */
export async function send(fetchFn, r, start, limit, signal, failed) {
  const url = r[start + 1];
  let response;
  try {
    response = await fetchFn(url, {
      method: r[start],
      headers: pairsFrom(r, start + 3),
      body: r[start + 2],
      redirect: "manual",
      signal,
    });
  } catch (e) {
    if (signal && signal.aborted) throw e;
    throw failed(`cannot reach ${url}: ${e && e.message}`, e);
  }
  // Browsers hide a redirect's status and target ("opaqueredirect"); it is still a redirect.
  const status = response.type === "opaqueredirect" ? 302 : response.status;
  let body;
  try {
    body = await readBounded(response, limit);
  } catch (e) {
    if (signal && signal.aborted) throw e;
    throw failed(`reading the answer of ${url} failed: ${e && e.message}`, e);
  }
  return { status, headers: response.headers, body };
}

/** The method option: "gci" (default) or "oidc". */
function methodOf(options) {
  const method = options.method;
  if (method === undefined || method === null || method === "gci") return "gci";
  if (method === "oidc") return "oidc";
  throw invalid(`method must be "gci" or "oidc", not ${JSON.stringify(method)}`, "invalid_method");
}

/** Options that only `method: "oidc"` takes. */
function refuseOidcOptions(options) {
  for (const name of ["oidcAlgorithm", "oidcDuration", "stsEndpoint"]) {
    if (options[name] !== undefined && options[name] !== null) throw invalid(`${name} goes with method: "oidc"`);
  }
}

/**
 * The one-time loading of a wasm-bindgen `--target web` module, for the
 * browser and worker entries (web.js, verify.js): `init(input)` (one shared
 * promise; tried again after a failure), `initSync(module)`, and `exports()`,
 * which throws `not_initialized` until one of them has run.
 */
export function webInstance(instantiate, instantiateSync, entry) {
  let wasm = null;
  let pending = null;
  return {
    init(input) {
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
    },
    initSync(module) {
      if (wasm === null) wasm = instantiateSync({ module });
    },
    exports() {
      if (wasm === null) {
        throw new CgawsError("not_initialized", `${entry} is not initialized: call \`await init()\` (or initSync) first`);
      }
      return wasm;
    },
  };
}

/**
 * The API over one wasm instance of the main build. `getWasm()` returns the
 * instance's raw exports, `options.decodeAscii(mem, start, end)` an optional
 * fast decoder of ASCII text, `options.loadOidc()` (a Promise of) the raw
 * exports of a new instance of the oidc build (cgaws_oidc_bg.wasm), which
 * `method: "oidc"` loads on first use: the main .wasm does not carry the STS
 * GetWebIdentityToken call.
 */
export function createApi(getWasm, options) {
  // Decodes ASCII bytes (the token); Node passes a faster one than TextDecoder.
  const decodeAscii = (options && options.decodeAscii) || ((mem, start, end) => decoder.decode(mem.subarray(start, end)));
  const loadOidc = options && options.loadOidc;
  const { instance, writeFields, readFields, readSingleAscii, run } = createBridge(getWasm, decodeAscii);
  // The bridge to the oidc instance, a Promise once asked for (again null if loading failed).
  let oidc = null;

  function oidcBridge() {
    if (oidc === null) {
      oidc = Promise.resolve()
        .then(() => {
          if (typeof loadOidc !== "function") throw new Error("this entry point has no oidc build");
          return loadOidc();
        })
        .then(
          (exports) => {
            const bridge = createBridge(() => exports, decodeAscii);
            bridge.instance();
            return bridge;
          },
          (error) => {
            oidc = null;
            throw new CgawsError("oidc_load_failed", `method "oidc": loading cgaws_oidc_bg.wasm failed: ${error && error.message}`, { cause: error });
          },
        );
    }
    return oidc;
  }
  // The credentials last handed to the instance, to send them only on change.
  let lastKey = null;
  let lastSecret = null;
  let lastSession = null;

  function setCredentials(wasm, credentials) {
    if (!isObject(credentials)) throw invalid("credentials must be an object { accessKeyId, secretAccessKey, sessionToken? }");
    const key = credentials.accessKeyId;
    const secret = credentials.secretAccessKey;
    const session = credentials.sessionToken === null ? undefined : credentials.sessionToken;
    if (key === lastKey && secret === lastSecret && session === lastSession) return;
    lastKey = null;
    requiredString(key, "credentials.accessKeyId");
    requiredString(secret, "credentials.secretAccessKey");
    optionalString(session, "credentials.sessionToken");
    writeFields([key, secret, session]);
    const len = wasm.set_credentials();
    if (len < 0) readFields(len);
    lastKey = key;
    lastSecret = secret;
    lastSession = session;
  }

  /**
   * The AWS proof: with method "gci" (default) the token blob, synchronously;
   * with "oidc" a Promise of the JWT from STS GetWebIdentityToken.
   */
  function generateToken(options) {
    if (!isObject(options)) throw invalid("generateToken takes an options object");
    if (options.method !== undefined && methodOf(options) === "oidc") {
      return webIdentityToken(options, undefined).then((t) => t.token);
    }
    refuseOidcOptions(options);
    const wasm = instance();
    setCredentials(wasm, options.credentials);
    const [text, secs] = timeValue(options.time);
    writeFields([
      requiredString(options.identity, "identity"),
      optionalString(options.audience, "audience"),
      optionalString(options.stsRegion, "stsRegion"),
      text,
    ]);
    const len = wasm.token(secs);
    if (len < 0) readFields(len);
    return readSingleAscii();
  }

  /**
   * STS GetWebIdentityToken with the caller's credentials, in the oidc instance
   * (the core signs the request and reads the answer; this sends it, and waits
   * when told to retry). The credentials go to that instance as they go to the
   * main one: as fields in its scratch buffer. The JWT's audience is
   * `options.audience`, else `issuer`, else the default issuer.
   */
  async function webIdentityToken(options, issuer) {
    const fetchFn = fetchOf(options);
    const signal = options.signal;
    const [text, secs] = timeValue(options.time);
    const credentials = credentialFields(options.credentials);
    const { instance: oidcInstance, run: oidcRun } = await oidcBridge();
    const fields = [
      ...credentials,
      issuer === undefined ? optionalString(options.audience, "audience") : undefined,
      issuer,
      optionalString(options.oidcAlgorithm, "oidcAlgorithm"),
      optionalString(options.stsRegion, "stsRegion"),
      optionalString(options.stsEndpoint, "stsEndpoint"),
    ];
    const duration = numberValue(options.oidcDuration, "oidcDuration");
    const handle = Number(oidcRun(fields, (w) => w.web_identity_start(duration))[0]);
    const wasm = oidcInstance();
    const limit = wasm.max_response_bytes() >>> 0;
    const failed = (message, cause) => new StsError("network_error", `GetWebIdentityToken: ${message}`, { cause });
    try {
      for (;;) {
        // A given time signs every attempt; otherwise each is signed now.
        const now = options.time === undefined || options.time === null ? Date.now() / 1000 : secs;
        const r = oidcRun([text], (w) => w.web_identity_request(handle, now));
        const answer = await send(fetchFn, r, 0, limit, signal, failed);
        const date = answer.headers.get("date");
        const step = oidcRun([date === null ? undefined : date, answer.body], (w) =>
          w.web_identity_response(handle, answer.status, Math.random(), Date.now() / 1000),
        );
        if (step[0] === "done") {
          return { token: step[1], expiry: step[2] === null ? null : new Date(Number(step[2]) * 1000) };
        }
        await sleep(Number(step[1]), signal);
      }
    } finally {
      wasm.web_identity_free(handle);
    }
  }

  function signWith(options, name, presign) {
    if (!isObject(options)) throw invalid(`${name} takes an options object`);
    const [text, secs] = timeValue(options.time);
    const url = options.url instanceof URL ? options.url.href : options.url;
    const fields = [
      ...credentialFields(options.credentials),
      optionalString(options.method, "method"),
      requiredString(url, "url"),
      requiredString(options.region, "region"),
      requiredString(options.service, "service"),
      text,
      optionalString(options.payloadHash, "payloadHash"),
      bodyBytes(options.body),
    ];
    for (const [n, v] of headerPairs(options.headers)) fields.push(n, v);
    let flags = presign ? PRESIGN : 0;
    if (options.normalizePath !== false) flags |= NORMALIZE_PATH;
    if (options.unsignedPayload === true) flags |= UNSIGNED_PAYLOAD;
    if (options.contentSha256Header === true) flags |= CONTENT_SHA256_HEADER;
    if (options.signSessionToken !== false) flags |= SIGN_SESSION_TOKEN;
    const expiresIn = presign ? numberValue(options.expiresIn, "expiresIn") : NaN;
    const out = run(fields, (w) => w.sign(flags, secs, expiresIn));
    const headers = [];
    for (let i = 6; i + 1 < out.length; i += 2) headers.push([out[i], out[i + 1]]);
    return {
      method: out[0],
      url: out[1],
      headers: headerObject(headers),
      signature: out[2],
      signedHeaders: out[3],
      canonicalRequest: out[4],
      stringToSign: out[5],
    };
  }

  function sign(options) {
    return signWith(options, "sign", false);
  }

  function presign(options) {
    return signWith(options, "presign", true);
  }

  function inspect(token) {
    const out = run([requiredString(token, "token")], (w) => w.inspect());
    return {
      method: out[0],
      host: out[1],
      path: out[2],
      query: out[3],
      headers: pairsFrom(out, 13),
      signedHeaders: out[12] === "" ? [] : out[12].split(";"),
      audience: out[4],
      identity: out[5],
      amzDate: out[6],
      time: out[7] === null ? null : new Date(Number(out[7]) * 1000),
      accessKeyId: out[8],
      credentialScope: out[9],
      hasSessionToken: out[10] === "1",
      signaturePrefix: out[11],
    };
  }

  function precheck(token, options) {
    if (!isObject(options)) throw invalid("precheck takes the token and an options object { identity, audience?, now? }");
    const { fields, secs, skew, age } = precheckInputs(token, options);
    const out = run(fields, (w) => w.precheck(secs, skew, age));
    return {
      host: out[0],
      identity: out[1],
      audience: out[2],
      time: new Date(Number(out[3]) * 1000),
      accessKeyId: out[4],
      region: out[5],
      service: out[6],
      signedHeaders: out[7] === "" ? [] : out[7].split(";"),
      forward: { method: out[8], url: out[9], body: out[10], headers: headerObject(pairsFrom(out, 11)) },
    };
  }

  async function exchange(options) {
    if (!isObject(options)) throw invalid("exchange takes an options object");
    const fetchFn = fetchOf(options);
    const hasToken = options.token !== undefined && options.token !== null;
    const hasCredentials = options.credentials !== undefined && options.credentials !== null;
    if (hasToken === hasCredentials) throw invalid("exchange takes either credentials or a token");
    const method = methodOf(options);
    if (method === "gci" || hasToken) refuseOidcOptions(options);
    if (method === "oidc" && hasToken) throw invalid('method: "oidc" takes credentials; a token is exchanged as it is');
    const issuer = optionalString(options.issuer, "issuer");
    const fields = [
      requiredString(options.identity, "identity"),
      issuer,
      ...listFields(options.audience, "audience"),
      ...listFields(options.scopes, "scopes"),
      ...listFields(options.caps, "caps"),
    ];
    let secs = 0;
    if (hasToken) {
      fields.push(requiredString(options.token, "token"));
    } else if (method === "oidc") {
      // The identity and parameters are checked before STS is asked for anything.
      instance().exchange_free(Number(run([...fields, "-"], (w) => w.exchange_start(0))[0]));
      const jwt = await webIdentityToken({ ...options, audience: undefined }, issuer === undefined ? undefined : issuer);
      fields.push(jwt.token);
    } else {
      const [text, s] = timeValue(options.time);
      secs = s;
      fields.push(undefined, ...credentialFields(options.credentials), optionalString(options.stsRegion, "stsRegion"), text);
    }
    const signal = options.signal;
    const handle = Number(run(fields, (w) => w.exchange_start(secs))[0]);
    const wasm = instance();
    const limit = wasm.max_response_bytes() >>> 0;
    const failed = (message, cause) => new ExchangeError("network_error", `the issuer: ${message}`, { cause });
    try {
      for (;;) {
        const r = run([], (w) => w.exchange_request(handle));
        const answer = await send(fetchFn, r, 0, limit, signal, failed);
        const location = answer.headers.get("location");
        const step = run([location === null ? undefined : location, answer.body], (w) =>
          w.exchange_response(handle, answer.status, Math.random()),
        );
        if (step[0] === "done") {
          return { token: step[1], expiry: step[2] === null ? null : new Date(Number(step[2]) * 1000) };
        }
        await sleep(Number(step[1]), signal);
      }
    } finally {
      wasm.exchange_free(handle);
    }
  }

  return { generateToken, exchange, sign, presign, inspect, precheck };
}
