// Compiled (not run) by node.test.mjs: the declarations describe the API.
import { generateToken, exchange, sign, presign, inspect, precheck, init, CgawsError, ExchangeError, PrecheckError, StsError } from "cgaws";
import { verify, VerifyError, init as initVerify, PrecheckError as VerifyPrecheckError } from "cgaws/verify";

const credentials = { accessKeyId: "A", secretAccessKey: "S", sessionToken: "T" };
const token: string = generateToken({ identity: "x", credentials, time: new Date() });
const signed = sign({ url: "https://example.com/", credentials, region: "us-east-1", service: "s3", body: new Uint8Array(1) });
const url: string = presign({ url: new URL("https://example.com/"), credentials, region: "r", service: "s", expiresIn: 60 }).url;
const when: Date | null = inspect(token).time;
const checked: number = precheck(token, { identity: "x", now: "2026-01-15T08:00:00Z" }).time.getTime();
// method "oidc" calls STS, so its proof is a Promise; "gci" (the default) stays synchronous.
const blob: string = generateToken({ identity: "x", credentials, method: "gci" });
const jwt: Promise<string> = generateToken({ method: "oidc", credentials, oidcAlgorithm: "RS256", oidcDuration: 900 });
// @ts-expect-error the oidc proof is not a string
const notString: string = generateToken({ method: "oidc", credentials });
// @ts-expect-error STS signs ES384 or RS256 only
void generateToken({ method: "oidc", credentials, oidcAlgorithm: "HS256" });
async function main(): Promise<void> {
  await init();
  await initVerify();
  const viaOidc = await exchange({ method: "oidc", identity: "x", credentials, stsEndpoint: "http://127.0.0.1:1", issuer: "http://127.0.0.1:2" });
  const verified = await verify(viaOidc.token, { identity: "x", rule: { awsIdentity: {} }, allowedHosts: ["sts.amazonaws.com"] });
  const arn: string = verified.caller.arn;
  const matched: boolean | undefined = verified.verdict?.[0]?.matched;
  void [arn, matched];
  try {
    const { token: t, expiry } = await exchange({ identity: "x", credentials, scopes: ["registry.pull"] });
    const later: Date | null = expiry;
    await exchange({ identity: "x", token: t, fetch: globalThis.fetch });
    void later;
  } catch (e) {
    if (e instanceof ExchangeError) console.log(e.code, e.status, e.grpcStatus);
    if (e instanceof PrecheckError) console.log(e.check);
    if (e instanceof CgawsError) console.log(e.code);
    if (e instanceof StsError) console.log(e.fix, e.stsCode);
    if (e instanceof VerifyError) console.log(e.check, e.verdict?.map((f) => f.reason), e.caller?.userId);
    if (e instanceof VerifyPrecheckError) console.log(e.check);
  }
}
void [signed.headers["Authorization"], url, when, checked, main, blob, jwt, notString];
