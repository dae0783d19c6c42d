#!/usr/bin/env bash
# bench/prompt.sh: `awsauth prompt` whole-process time (goal <= 5 ms), next
# to a hello-world Go binary, on a config of 200 profiles with an SSO token;
# the three run interleaved (bench/proctime).
#
#   bash bench/prompt.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-101}
. bench/lib.sh
bench_init
bench_build ./cmd/awsauth ./bench/hello ./bench/proctime
bench_build_default ./cmd/awsauth awsauth-cgo
mkdir -p "$work/home/.aws/sso/cache"
{
  printf '[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n'
  for i in $(seq 0 199); do
    printf '[profile p%d]\nsso_session = corp\nsso_account_id = %012d\nsso_role_name = Admin\nregion = eu-west-1\n\n' "$i" "$((100000000000 + i))"
  done
} >"$work/home/.aws/config"
exp=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
printf '{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","accessToken":"x","expiresAt":"%s"}' "$exp" \
  >"$work/home/.aws/sso/cache/$(printf corp | sha1sum | cut -c1-40).json"
export HOME="$work/home" AWS_PROFILE=p150
unset AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_REGION AWS_DEFAULT_REGION
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(uname -m)  line: $("$work/awsauth" prompt)"
echo "hello-world Go binary; awsauth prompt (200 profiles) as installed by the README; the same with go build defaults (cgo):"
"$work/proctime" -n "$runs" -- "$work/hello" ::: "$work/awsauth" prompt ::: "$work/awsauth-cgo" prompt
