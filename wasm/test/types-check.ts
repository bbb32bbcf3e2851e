// Compiled (not run) by node.test.mjs: the declarations describe the API.
import { generateToken, exchange, sign, presign, inspect, precheck, init, CgawsError, ExchangeError, PrecheckError } from "cgaws";

const credentials = { accessKeyId: "A", secretAccessKey: "S", sessionToken: "T" };
const token: string = generateToken({ identity: "x", credentials, time: new Date() });
const signed = sign({ url: "https://example.com/", credentials, region: "us-east-1", service: "s3", body: new Uint8Array(1) });
const url: string = presign({ url: new URL("https://example.com/"), credentials, region: "r", service: "s", expiresIn: 60 }).url;
const when: Date | null = inspect(token).time;
const checked: number = precheck(token, { identity: "x", now: "2026-01-15T08:00:00Z" }).time.getTime();
async function main(): Promise<void> {
  await init();
  try {
    const { token: t, expiry } = await exchange({ identity: "x", credentials, scopes: ["registry.pull"] });
    const later: Date | null = expiry;
    await exchange({ identity: "x", token: t, fetch: globalThis.fetch });
    void later;
  } catch (e) {
    if (e instanceof ExchangeError) console.log(e.code, e.status, e.grpcStatus);
    if (e instanceof PrecheckError) console.log(e.check);
    if (e instanceof CgawsError) console.log(e.code);
  }
}
void [signed.headers["Authorization"], url, when, checked, main];
