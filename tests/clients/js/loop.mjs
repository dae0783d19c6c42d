// The JS SDK v3's part of the awsauth exec soak: GetCallerIdentity in a loop.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

const seconds = Number(process.env.SOAK_SECONDS);
const interval = Number(process.env.SOAK_INTERVAL);
const client = new STSClient({});
const keys = new Set();
let calls = 0;
let errors = 0;
const end = Date.now() + seconds * 1000;
while (Date.now() < end) {
  calls++;
  try {
    const creds = await client.config.credentials();
    keys.add(creds.accessKeyId);
    await client.send(new GetCallerIdentityCommand({}));
  } catch (e) {
    errors++;
    console.error("js error:", e?.name, e?.message);
  }
  await new Promise((r) => setTimeout(r, interval * 1000));
}
console.log(`client=js calls=${calls} errors=${errors} keys=${keys.size}`);
