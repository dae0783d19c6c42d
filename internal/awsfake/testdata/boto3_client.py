"""Drive the awsfake server with boto3, the way the AWS CLI v1 and Python
tools would. Endpoints, region and HOME come from the environment the Go
test builds; results are printed as one JSON object on stdout."""

import json
import sys

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError


def error_code(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return "no error"


def main():
    args = json.loads(sys.argv[1])
    out = {}
    session = boto3.session.Session()

    if args["phase"] == "login":
        user = session.client(
            "sts",
            aws_access_key_id=args["user_key_id"],
            aws_secret_access_key=args["user_secret"],
        )
        out["user_arn"] = user.get_caller_identity()["Arn"]

        oidc = session.client("sso-oidc", config=Config(signature_version=UNSIGNED))
        reg = oidc.register_client(clientName="boto3-test", clientType="public", scopes=["sso:account:access"])
        auth = oidc.start_device_authorization(
            clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=args["start_url"]
        )

        def poll():
            return oidc.create_token(
                clientId=reg["clientId"],
                clientSecret=reg["clientSecret"],
                grantType="urn:ietf:params:oauth:grant-type:device_code",
                deviceCode=auth["deviceCode"],
            )

        try:
            poll()
            out["first_poll"] = "no error"
        except oidc.exceptions.AuthorizationPendingException as e:
            out["first_poll"] = type(e).__name__ + ":" + e.response.get("error", "")
        try:
            poll()
            out["second_poll"] = "no error"
        except oidc.exceptions.SlowDownException as e:
            out["second_poll"] = type(e).__name__ + ":" + e.response.get("error", "")

        portal = session.client("sso", config=Config(signature_version=UNSIGNED))
        rc = portal.get_role_credentials(
            accessToken=args["access_token"], accountId=args["account_id"], roleName="Admin"
        )["roleCredentials"]
        out["role_expiration_ms"] = rc["expiration"]
        out["role_creds"] = {k: rc[k] for k in ("accessKeyId", "secretAccessKey", "sessionToken")}
        role = session.client(
            "sts",
            aws_access_key_id=rc["accessKeyId"],
            aws_secret_access_key=rc["secretAccessKey"],
            aws_session_token=rc["sessionToken"],
        )
        out["role_arn"] = role.get_caller_identity()["Arn"]
        out["bad_token"] = error_code(
            lambda: portal.get_role_credentials(accessToken="aoa-unknown", accountId=args["account_id"], roleName="Admin")
        )
    else:
        rc = args["role_creds"]
        role = session.client(
            "sts",
            aws_access_key_id=rc["accessKeyId"],
            aws_secret_access_key=rc["secretAccessKey"],
            aws_session_token=rc["sessionToken"],
        )
        out["expired"] = error_code(role.get_caller_identity)
        unknown = session.client(
            "sts",
            aws_access_key_id="AKIAI44QH8DHBEXAMPLE",
            aws_secret_access_key="je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        )
        out["unknown"] = error_code(unknown.get_caller_identity)

    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
