#!/usr/bin/env bash
# bench/refresh.sh: time `awsauth refresh` (whole process) against awsauth's
# fake SSO OIDC, next to the smallest Go program that renews the same cached
# token with the SDK's ssooidc client. Prints medians and the ratio.
#
#   bash bench/refresh.sh [RUNS]      (default 15 runs each, after 2 warm-ups)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
work=$(mktemp -d)
fake_pid=""
cleanup() {
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/awsauth" ./cmd/awsauth
go build -o "$work/awsfake-server" ./bench/awsfake-server
go build -o "$work/gosdk-ssorefresh" ./bench/gosdk-ssorefresh

"$work/awsfake-server" >"$work/url" 2>"$work/fake.log" &
fake_pid=$!
for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.05; done
url=$(head -1 "$work/url")
[ -n "$url" ] || { echo "awsfake-server did not start" >&2; cat "$work/fake.log" >&2; exit 1; }

mkdir -p "$work/home/.aws"
cat >"$work/home/.aws/config" <<'INI'
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = https://awsauth-demo.awsapps.com/start
sso_region = us-east-1
INI
run_env=(env -i PATH="$PATH" HOME="$work/home" AWS_EC2_METADATA_DISABLED=true
  AWS_ENDPOINT_URL_SSO_OIDC="$url" AWS_ENDPOINT_URL_SSO="$url" AWS_ENDPOINT_URL_STS="$url")
"${run_env[@]}" "$work/awsauth" login --profile dev --no-browser 2>/dev/null
cache="$work/home/.aws/sso/cache/$(printf corp | sha1sum | cut -c1-40).json"

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

a=$(time_cmd awsauth "$work/awsauth" refresh --profile dev)
g=$(time_cmd gosdk "$work/gosdk-ssorefresh" "$cache")
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(uname -m)  runs: $runs (median)"
printf '%-44s %10s\n' "command" "median ms"
printf '%-44s %10s\n' "awsauth refresh --profile dev" "$a"
printf '%-44s %10s\n' "minimal Go ssooidc refresh + cache write" "$g"
awk -v a="$a" -v g="$g" 'BEGIN{printf "awsauth / minimal Go program = %.2fx\n", a/g}'
