// The API of `cgaws/verify` over the wasm exports of the verify build of
// `cgaws-wasm`, on api.js's bridge and helpers. Converts values and moves
// bytes only: checks 1-9 are the Rust core's (`cgaws_core::verify`).
// `wasm/build.sh` writes a CommonJS copy of it (verify-api.cjs).
import {
  VerifyError,
  createBridge,
  fetchOf,
  invalid,
  isObject,
  optionalString,
  precheckInputs,
  send,
} from "./api.js";

/** A rule verdict from result fields at `at` (a count, then 6 per field); `[verdict, next index]`. */
function verdictFrom(out, at) {
  if (out[at] === null) return [null, at + 1];
  const n = Number(out[at]);
  const fields = [];
  let i = at + 1;
  for (let k = 0; k < n; k++, i += 6) {
    fields.push({
      field: out[i],
      expected: out[i + 1],
      actual: out[i + 2],
      matched: out[i + 3] === "1",
      reason: out[i + 4],
      suggestion: out[i + 5],
    });
  }
  return [fields, i];
}

function callerFrom(out, at) {
  return out[at] === null ? null : { account: out[at], arn: out[at + 1], userId: out[at + 2] };
}

/**
 * The API of the `cgaws/verify` entry over one wasm instance of the verify
 * build. `options.defaultFetch` replaces the global fetch as the default (Node
 * passes one that keeps the signed `Host` header); `options.defaultStsEndpoint()`
 * gives the STS endpoint when none is passed (Node: `AWS_ENDPOINT_URL_STS`).
 */
export function createVerifyApi(getWasm, options) {
  const { instance, run } = createBridge(getWasm);
  const defaultFetch = options && options.defaultFetch;
  const defaultStsEndpoint = (options && options.defaultStsEndpoint) || (() => undefined);

  async function verify(token, options) {
    if (!isObject(options)) throw invalid("verify takes the token and an options object { identity, audience?, rule?, ... }");
    const fetchFn = fetchOf(options, defaultFetch);
    const { fields, secs, skew, age } = precheckInputs(token, options);
    let rule = options.rule;
    if (rule === null) rule = undefined;
    if (rule !== undefined && typeof rule !== "string") {
      if (!isObject(rule)) throw invalid("rule must be a JSON string or an object");
      rule = JSON.stringify(rule);
    }
    const endpoint =
      options.stsEndpoint === undefined ? defaultStsEndpoint() : optionalString(options.stsEndpoint, "stsEndpoint");
    fields.push(rule, endpoint || undefined);
    const started = run(fields, (w) => w.verify_start(secs, skew, age));
    const handle = Number(started[0]);
    const wasm = instance();
    let answer;
    try {
      const failed = (message, cause) => new VerifyError("network_error", `STS: ${message}`, { cause });
      answer = await send(fetchFn, started, 1, wasm.max_response_bytes() >>> 0, options.signal, failed);
    } catch (e) {
      wasm.verify_free(handle);
      throw e;
    }
    const out = run([answer.body], (w) => w.verify_finish(handle, answer.status));
    if (out[0] === "verified") {
      return {
        caller: callerFrom(out, 1),
        identity: out[4],
        audience: out[5],
        signedAt: new Date(Number(out[6]) * 1000),
        stsHost: out[7],
        verdict: verdictFrom(out, 8)[0],
      };
    }
    // refused: code, check, message, STS status and code, caller, verdict.
    throw new VerifyError(out[1], out[3], {
      check: Number(out[2]),
      stsStatus: out[4] === null ? undefined : Number(out[4]),
      stsCode: out[5] === null ? undefined : out[5],
      caller: callerFrom(out, 6) || undefined,
      verdict: verdictFrom(out, 9)[0] || undefined,
    });
  }

  return { verify };
}

/**
 * A fetch for Node on `node:http`/`node:https` that sends the `Host` header it
 * is given (Node's global fetch replaces it with the URL's), as `verify` needs
 * when it sends a token's signed request to another endpoint (`stsEndpoint`):
 * STS checks the signature over the `Host` the token was signed for. It answers
 * a standard `Response`; the body is read whole, up to 1 MiB.
 */
export function hostKeepingFetch(http, https) {
  const LIMIT = 1 << 20;
  return (url, init) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const headers = {};
      for (const [name, value] of init.headers) headers[name] = value;
      const request = (target.protocol === "https:" ? https : http).request(
        target,
        { method: init.method, headers, signal: init.signal, servername: target.hostname },
        (response) => {
          const chunks = [];
          let total = 0;
          response.on("data", (chunk) => {
            total += chunk.length;
            if (total > LIMIT) response.destroy(new Error("answer larger than 1 MiB"));
            else chunks.push(chunk);
          });
          response.on("error", reject);
          response.on("end", () => {
            const out = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
            }
            const status = response.statusCode;
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers: out }));
          });
        },
      );
      request.on("error", reject);
      request.end(init.body);
    });
}
