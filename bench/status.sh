#!/usr/bin/env bash
# bench/status.sh: time `awsauth status` (the whole process) against moto,
# next to a minimal Go SDK program making the same STS call and next to
# `aws sts get-caller-identity` (AWS CLI v1). Prints medians and ratios.
#
#   bash bench/status.sh [RUNS]      (default 15 runs each, after 2 warm-ups)
#
# Goal: awsauth status <= 1.5x the minimal Go program.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
work=$(mktemp -d)
moto_pid=""
cleanup() {
  if [ -n "$moto_pid" ]; then kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/awsauth" ./cmd/awsauth
go build -o "$work/gosdk-identity" ./bench/gosdk-identity

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null || { echo "moto did not start" >&2; cat "$work/moto.log" >&2; exit 1; }

mkdir -p "$work/home/.aws"
cat >"$work/home/.aws/credentials" <<'INI'
[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
INI
printf '[default]\nregion = us-east-1\n' >"$work/home/.aws/config"

# A sealed environment: only what the three programs need.
run_env=(env -i PATH="$PATH" HOME="$work/home" AWS_EC2_METADATA_DISABLED=true
  AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ENDPOINT_URL_STS="http://127.0.0.1:$port"
  AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1)

# time_cmd NAME CMD...: prints the median wall time in milliseconds.
time_cmd() {
  local name=$1; shift
  local times=()
  for i in $(seq 1 $((runs + 2))); do
    local t0 t1
    t0=$(date +%s%N)
    "${run_env[@]}" "$@" >/dev/null 2>"$work/err" || { echo "$name failed:" >&2; cat "$work/err" >&2; exit 1; }
    t1=$(date +%s%N)
    [ "$i" -gt 2 ] && times+=($(( (t1 - t0) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m = (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%.1f\n", m/1000}'
}

a=$(time_cmd awsauth "$work/awsauth" status --json)
g=$(time_cmd gosdk "$work/gosdk-identity")
c=""
if command -v aws >/dev/null 2>&1; then c=$(time_cmd awscli aws sts get-caller-identity); fi

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(uname -m)  runs: $runs (median)"
printf "%-44s %10s %8s\n" "command" "median ms" "x awsauth"
printf '%-44s %10s %8s\n' "awsauth status --json" "$a" "1.00"
printf '%-44s %10s %8s\n' "minimal Go SDK GetCallerIdentity" "$g" "$(awk -v a="$a" -v b="$g" 'BEGIN{printf "%.2f", b/a}')"
[ -n "$c" ] && printf '%-44s %10s %8s\n' "aws sts get-caller-identity ($(aws --version 2>&1 | cut -d' ' -f1))" "$c" "$(awk -v a="$a" -v b="$c" 'BEGIN{printf "%.2f", b/a}')"
awk -v a="$a" -v g="$g" 'BEGIN{r=a/g; printf "awsauth / minimal Go program = %.2fx (goal <= 1.5x): %s\n", r, (r<=1.5)?"met":"NOT met"}'
