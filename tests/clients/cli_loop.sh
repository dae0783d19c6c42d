#!/bin/sh
# The AWS CLI's part of the awsauth exec soak: GetCallerIdentity in a loop.
#   cli_loop.sh NAME AWS_BINARY
# The CLI v2 of Debian (2.9) ignores AWS_ENDPOINT_URL_*, so the endpoint is
# also passed as --endpoint-url, which every version honours.
name=$1
aws=$2
calls=0
errors=0
end=$(( $(date +%s) + ${SOAK_SECONDS%.*} ))
while [ "$(date +%s)" -lt "$end" ]; do
  calls=$((calls + 1))
  if ! "$aws" sts get-caller-identity --endpoint-url "$AWS_ENDPOINT_URL_STS" --output text >/dev/null 2>"$TMPDIR/$name.err"; then
    errors=$((errors + 1))
    echo "$name error: $(cat "$TMPDIR/$name.err")" >&2
  fi
  sleep "$SOAK_INTERVAL"
done
echo "client=$name calls=$calls errors=$errors keys=-1"
