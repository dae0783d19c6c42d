#!/usr/bin/env bash
# deploy.sh: a CDK deployment that checks before it starts, and keeps its
# credentials fresh until it ends.
#
#   ./deploy.sh                     # account and region from .env (CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION)
#   ACCOUNT=123456789012 ./deploy.sh --all
#
# awsauth preflight is fast and never prompts: it exits 0 when the deployment
# can start and finish, 5 when a check failed (each failure is printed with
# its fix), 2 on a bad flag and 1 on anything else. Only then does the
# deployment run, under awsauth exec, which renews the credentials while it
# runs, however long that is. The short form of all this:
#
#   awsauth preflight --expect-account 123456789012 --duration 3h && awsauth exec -- cdk deploy
set -euo pipefail

PROFILE=${AWS_PROFILE:-deploy}
# How long the deployment may run; preflight fails when a link of the
# credential chain (an SSO token that cannot refresh, keys with an expiry)
# would end sooner.
DURATION=${DURATION:-3h}

preflight=(awsauth preflight --profile "$PROFILE" --duration "$DURATION")
if [ -n "${ACCOUNT:-}" ]; then
  preflight+=(--expect-account "$ACCOUNT")
fi
if [ -n "${REGION:-}" ]; then
  preflight+=(--expect-region "$REGION")
fi
# In CI, a warning (stored keys instead of OIDC, a region boto3 reads
# differently) fails the run too.
if [ "${CI:-}" = "true" ]; then
  preflight+=(--strict)
fi

status=0
"${preflight[@]}" || status=$?
case $status in
  0) ;;
  5) echo "deploy.sh: preflight found problems; fix them as shown above and run again" >&2; exit 5 ;;
  *) exit "$status" ;;
esac

exec awsauth exec --profile "$PROFILE" -- npx cdk deploy "$@"
