#!/usr/bin/env bash
# bench/refresh.sh: time `awsauth refresh` (whole process) against awsauth's
# fake SSO OIDC, next to the smallest Go program that renews the same cached
# token with the SDK's ssooidc client. Prints medians and the ratio.
#
#   bash bench/refresh.sh [RUNS]      (default 15 runs each, after 3 warm-ups)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
runs=${1:-15}
bench_init
bench_build ./cmd/awsauth ./bench/gosdk-ssorefresh
start_awsfake
write_sso_profile
export HOME="$work/home" AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_SSO_OIDC="$fake" AWS_ENDPOINT_URL_SSO="$fake" AWS_ENDPOINT_URL_STS="$fake"
unset AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
"$work/awsauth" login --profile dev --no-browser 2>/dev/null
cache="$work/home/.aws/sso/cache/$(printf corp | sha1sum | cut -c1-40).json"

a=$(median_ms "$work/awsauth" refresh --profile dev)
g=$(median_ms "$work/gosdk-ssorefresh" "$cache")
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(uname -m)  runs: $runs (median)"
printf '%-44s %10s\n' "command" "median ms"
printf '%-44s %10s\n' "awsauth refresh --profile dev" "$a"
printf '%-44s %10s\n' "minimal Go ssooidc refresh + cache write" "$g"
awk -v a="$a" -v g="$g" 'BEGIN{printf "awsauth / minimal Go program = %.2fx\n", a/g}'
