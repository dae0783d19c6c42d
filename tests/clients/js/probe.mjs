// The JS SDK v3's probe: resolve credentials through the default chain, call
// GetCallerIdentity once, print one JSON line with the caller's ARN and the
// region, or the error. PROBE_PROFILE, when set, is the client's `profile`.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

const out = {};
try {
  const profile = process.env.PROBE_PROFILE || undefined;
  const client = new STSClient(profile ? { profile } : {});
  out.region = await client.config.region();
  const id = await client.send(new GetCallerIdentityCommand({}));
  out.arn = id.Arn;
} catch (e) {
  out.error = `${e?.name}: ${e?.message}`;
}
console.log(JSON.stringify(out));
