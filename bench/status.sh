#!/usr/bin/env bash
# bench/status.sh: time `awsauth status` (the whole process) against moto,
# next to a minimal Go SDK program making the same STS call and next to
# `aws sts get-caller-identity` (AWS CLI v1). Prints medians and ratios.
#
#   bash bench/status.sh [RUNS]      (default 15 runs each, after 3 warm-ups)
#
# Goal: awsauth status <= 1.5x the minimal Go program.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
runs=${1:-15}
bench_init
bench_build ./cmd/awsauth ./bench/gosdk-identity
start_moto
mkdir -p "$work/home/.aws"
printf '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' >"$work/home/.aws/credentials"
printf '[default]\nregion = us-east-1\n' >"$work/home/.aws/config"
export HOME="$work/home" AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL="$moto" AWS_ENDPOINT_URL_STS="$moto" AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE

a=$(median_ms "$work/awsauth" status --json)
g=$(median_ms "$work/gosdk-identity")
c=""
if command -v aws >/dev/null 2>&1; then c=$(median_ms "$(command -v aws)" sts get-caller-identity); fi

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(uname -m)  runs: $runs (median)"
printf '%-44s %10s %9s\n' "command" "median ms" "x awsauth"
printf '%-44s %10s %9s\n' "awsauth status --json" "$a" "1.00"
printf '%-44s %10s %9s\n' "minimal Go SDK GetCallerIdentity" "$g" "$(awk -v a="$a" -v b="$g" 'BEGIN{printf "%.2f", b/a}')"
[ -n "$c" ] && printf '%-44s %10s %9s\n' "aws sts get-caller-identity ($(aws --version 2>&1 | cut -d' ' -f1))" "$c" "$(awk -v a="$a" -v b="$c" 'BEGIN{printf "%.2f", b/a}')"
awk -v a="$a" -v g="$g" 'BEGIN{r=a/g; printf "awsauth / minimal Go program = %.2fx (goal <= 1.5x): %s\n", r, (r<=1.5)?"met":"NOT met"}'
