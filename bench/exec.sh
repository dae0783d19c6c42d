#!/usr/bin/env bash
# bench/exec.sh: the exec and credential-process numbers, in one run on this
# machine, against awsauth's fake AWS:
#   - endpoint latency (p50, p99) and requests/s from 1 and 4 keep-alive clients;
#   - credential-process (warm cache) whole-process time vs a hello-world Go
#     binary (the floor) and vs `aws configure export-credentials` (CLI v2);
#   - exec -- true, whole and less what `true` alone takes, vs the floor;
#   - next to both, bench/sdkfloor: the least a program that links the Go
#     SDK's config, sts, sso and ssooidc can do (print a file; run `true`);
#   - the same two awsauth commands built with plain `go build` (cgo, libc);
#   - resident memory of exec while a Go SDK client polls it for 30 s.
#
#   bash bench/exec.sh [RUNS]      (default 21 runs for whole-process timings)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
runs=${1:-21}
bench_init
bench_build ./cmd/awsauth ./bench/hello ./bench/endpoint-load ./bench/sdkfloor ./bench/proctime ./tests/clients/goclient
bench_build_default ./cmd/awsauth awsauth-cgo
start_awsfake
write_sso_profile
cat >>"$work/home/.aws/config" <<'INI'
[profile cached]
credential_process = awsauth credential-process --profile dev
region = us-east-1
INI
# exec renews in its own process here (bench/agent.sh measures the agent).
export AWSAUTH_NO_AGENT=1
export PATH="$work:$PATH" HOME="$work/home" AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL_SSO_OIDC="$fake" AWS_ENDPOINT_URL_SSO="$fake" AWS_ENDPOINT_URL_STS="$fake"
unset AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
run_env=(env)
"$work/awsauth" login --profile dev --no-browser 2>/dev/null

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(uname -m)"
echo
echo "== endpoint (awsauth exec serving, bench/endpoint-load as the child)"
"${run_env[@]}" "$work/awsauth" exec -q --profile dev -- "$work/endpoint-load" -clients 1 -requests 20000
"${run_env[@]}" "$work/awsauth" exec -q --profile dev -- "$work/endpoint-load" -clients 4 -requests 20000

echo
echo "== whole-process times, $runs runs of each, interleaved (bench/proctime);"
echo "   ratio = median / hello's median; round-ratio = median of per-round ratios"
"$work/awsauth" credential-process --profile dev >"$work/cached.json"
true_path=$(command -v true)
"$work/proctime" -n "$runs" -- "$work/hello" \
  ::: "$work/sdkfloor" print "$work/cached.json" \
  ::: "$work/awsauth" credential-process --profile dev \
  ::: "$work/awsauth-cgo" credential-process --profile dev \
  ::: "$true_path" \
  ::: "$work/sdkfloor" spawn "$true_path" \
  ::: "$work/awsauth" exec -q --profile dev -- "$true_path" \
  ::: "$work/awsauth-cgo" exec -q --profile dev -- "$true_path" | tee "$work/times"
med() { sed -n "$1p" "$work/times" | sed -E 's/^median=([0-9.]+)ms.*/\1/'; }
floor=$(med 1) tr=$(med 5) ex=$(med 7) excgo=$(med 8) fl=$(med 6)
echo
awk -v ex="$ex" -v excgo="$excgo" -v tr="$tr" -v fl="$fl" -v f="$floor" 'BEGIN{
  printf "exec -- true less true alone:  %.2f ms = %.2fx floor (go build defaults: %.2fx)\n", ex-tr, (ex-tr)/f, (excgo-tr)/f
  printf "sdkfloor spawn true less true: %.2f ms = %.2fx floor\n", fl-tr, (fl-tr)/f }'
if /usr/bin/aws --version 2>/dev/null | grep -q '^aws-cli/2'; then
  v2=$(median_ms /usr/bin/aws configure export-credentials --profile cached)
  echo "aws configure export-credentials (CLI v2, through a warm awsauth credential-process profile): $v2 ms"
fi

echo
echo "== exec resident memory while a Go SDK client polls it every 100 ms for 30 s"
"${run_env[@]}" SOAK_SECONDS=30 SOAK_INTERVAL=0.1 "$work/awsauth" exec -q --profile dev -- "$work/goclient" >"$work/soak.out" 2>&1 &
exec_pid=$!
peak=0
for _ in $(seq 1 300); do
  kill -0 "$exec_pid" 2>/dev/null || break
  rss=$(awk '/^VmRSS/{print $2}' "/proc/$exec_pid/status" 2>/dev/null || echo 0)
  [ "${rss:-0}" -gt "$peak" ] && peak=$rss
  sleep 0.1
done
wait "$exec_pid"
echo "peak VmRSS of awsauth exec: $((peak / 1024)).$(( (peak % 1024) * 10 / 1024 )) MiB  ($(tail -1 "$work/soak.out"))"
