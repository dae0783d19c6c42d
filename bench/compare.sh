#!/usr/bin/env bash
# bench/compare.sh: awsauth next to what a user would otherwise run, in one
# run on this machine, against moto (STS) and awsauth's fake AWS (SSO), with
# medians of RUNS whole-process runs (bench/proctime starts each process
# directly) and ratios.
#
#   bash bench/compare.sh [RUNS]      (default 15; at least 9)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
runs=${1:-15}
[ "$runs" -ge 9 ] || { echo "use at least 9 runs" >&2; exit 2; }
bench_init
bench_build ./cmd/awsauth ./bench/hello ./bench/endpoint-load ./bench/proctime ./bench/gosdk-identity
export PATH="$work:$PATH"
start_moto
start_awsfake

export HOME="$work/home" AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWSAUTH_NO_AGENT=1
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
mkdir -p "$HOME/.aws"
cat >"$HOME/.aws/credentials" <<'INI'
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
INI
cat >"$HOME/.aws/config" <<'INI'
[default]
region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[profile cached]
credential_process = awsauth credential-process --profile dev
region = us-east-1

[sso-session corp]
sso_start_url = https://awsauth-demo.awsapps.com/start
sso_region = us-east-1
INI

median() { median_ms "$@"; }
row() { printf '%-58s %9s %9s\n' "$1" "$2" "$(awk -v a="$2" -v b="$3" 'BEGIN{printf "%.2f", a/b}')"; }

cli1=$(command -v aws || true)
cli2=/usr/bin/aws
/usr/bin/aws --version 2>/dev/null | grep -q '^aws-cli/2' || cli2=""

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)  runs: $runs (median)"
echo
echo "== who am I (STS GetCallerIdentity against moto, static keys)"
printf '%-58s %9s %9s\n' "command" "ms" "x awsauth"
st=$(AWS_ENDPOINT_URL_STS=$moto median "$work/awsauth" status --json)
row "awsauth status --json" "$st" "$st"
row "minimal Go SDK program (bench/gosdk-identity)" "$(AWS_ENDPOINT_URL_STS=$moto median "$work/gosdk-identity")" "$st"
[ -n "$cli1" ] && row "aws sts get-caller-identity ($("$cli1" --version 2>&1 | cut -d' ' -f1))" "$(AWS_ENDPOINT_URL_STS=$moto median "$cli1" sts get-caller-identity)" "$st"
[ -n "$cli2" ] && row "aws sts get-caller-identity ($("$cli2" --version 2>&1 | cut -d' ' -f1))" "$(median "$cli2" sts get-caller-identity --endpoint-url "$moto")" "$st"

echo
echo "== credentials for a tool (IAM Identity Center profile, warm)"
export AWS_ENDPOINT_URL_SSO_OIDC=$fake AWS_ENDPOINT_URL_SSO=$fake AWS_ENDPOINT_URL_STS=$fake
awsauth login --profile dev --no-browser 2>/dev/null
awsauth credential-process --profile dev >/dev/null
printf '%-58s %9s %9s\n' "command" "ms" "x awsauth"
cp=$(median "$work/awsauth" credential-process --profile dev)
row "awsauth credential-process (warm cache)" "$cp" "$cp"
row "hello-world Go binary (the floor)" "$(median "$work/hello")" "$cp"
[ -n "$cli2" ] && row "aws configure export-credentials --profile cached (CLI v2)" "$(median "$cli2" configure export-credentials --profile cached)" "$cp"

echo
echo "== start-up and small commands"
printf '%-58s %9s %9s\n' "command" "ms" "x floor"
floor=$(median "$work/hello")
row "hello-world Go binary (the floor)" "$floor" "$floor"
row "awsauth exec --profile dev -- true" "$(median "$work/awsauth" exec -q --profile dev -- true)" "$floor"
row "awsauth prompt (from config and SSO cache)" "$(AWS_PROFILE=dev median "$work/awsauth" prompt)" "$floor"
python3 - "$work/big.log" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    line = "CREATE_IN_PROGRESS | AWS::Lambda::Function | Handler1234 | Resource creation Initiated\n"
    for _ in range(10 * 1024 * 1024 // len(line)):
        f.write(line)
    f.write("An error occurred (ExpiredToken) when calling the DescribeStackEvents operation: The security token included in the request is expired\n")
PY
row "awsauth explain < 10 MB CDK log" "$(median sh -c "\"$work/awsauth\" explain < \"$work/big.log\"")" "$floor"

echo
echo "== the endpoint (awsauth exec serving bench/endpoint-load)"
awsauth exec -q --profile dev -- endpoint-load -clients 1 -requests 20000
awsauth exec -q --profile dev -- endpoint-load -clients 4 -requests 20000
