// Compiled (not run) by node.test.mjs: the CommonJS declarations (index.d.cts, verify.d.cts).
import cgaws = require("cgaws");
import cgawsVerify = require("cgaws/verify");

const credentials = { accessKeyId: "A", secretAccessKey: "S" };
const blob: string = cgaws.generateToken({ identity: "x", credentials });
const jwt: Promise<string> = cgaws.generateToken({ method: "oidc", credentials });
async function main(): Promise<void> {
  try {
    const v = await cgawsVerify.verify(blob, { identity: "x" });
    console.log(v.caller.account, v.signedAt.getTime());
  } catch (e) {
    if (e instanceof cgawsVerify.VerifyError) console.log(e.code, e.check);
    if (e instanceof cgawsVerify.PrecheckError) console.log(e.check);
  }
}
void [jwt, main];
