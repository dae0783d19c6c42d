"""boto3's part of the awsauth exec soak: GetCallerIdentity in a loop."""
import os
import sys
import time

import boto3

seconds = float(os.environ["SOAK_SECONDS"])
interval = float(os.environ["SOAK_INTERVAL"])
session = boto3.Session()
client = session.client("sts")
keys, calls, errors = set(), 0, 0
end = time.time() + seconds
while time.time() < end:
    calls += 1
    try:
        keys.add(session.get_credentials().get_frozen_credentials().access_key)
        client.get_caller_identity()
    except Exception as e:  # noqa: BLE001 - every failure counts
        errors += 1
        print("boto3 error:", e, file=sys.stderr)
    time.sleep(interval)
print(f"client=boto3 calls={calls} errors={errors} keys={len(keys)}")
