"""Fetch credentials the way boto3 does and print what it got, as JSON.

The environment holds AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN; nothing else tells botocore where to look.
"""
import json

import boto3
import botocore.utils

# botocore sleeps a second after each of its three failed attempts; the
# failure itself is what the tests look at.
botocore.utils.ContainerMetadataFetcher.SLEEP_TIME = 0

out = {}
try:
    creds = boto3.Session().get_credentials()
    frozen = creds.get_frozen_credentials()
    out = {
        "method": creds.method,
        "access_key": frozen.access_key,
        "secret_key": frozen.secret_key,
        "token": frozen.token,
        "account_id": frozen.account_id,
        # botocore keeps the expiry in a private field; it is what decides
        # when the credentials are fetched again.
        "expiry": creds._expiry_time.isoformat(),
    }
except Exception as e:  # the error is the result under test
    out = {"error_type": type(e).__name__, "error": str(e)}
print(json.dumps(out))
