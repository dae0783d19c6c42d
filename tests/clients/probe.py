"""boto3's probe: resolve credentials, call GetCallerIdentity once, print
one JSON line with the caller's ARN and the region, or the error.
PROBE_PROFILE, when set, is boto3.Session(profile_name=...)."""
import json
import os

out = {}
try:
    import boto3

    session = boto3.Session(profile_name=os.environ.get("PROBE_PROFILE") or None)
    out["region"] = session.region_name or ""
    out["arn"] = session.client("sts").get_caller_identity()["Arn"]
except Exception as e:  # noqa: BLE001 - every failure is the answer
    out["error"] = f"{type(e).__name__}: {e}"
print(json.dumps(out))
