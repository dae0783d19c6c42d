#!/usr/bin/env bash
# bench/agent.sh [RUNS]: what the awsauth agent changes for
# credential-process, and what it costs.
#   - credential-process warm (a fresh file cache entry) with an agent
#     running, against the hello-world floor: it must not pay for a socket
#     round trip (goal: within 2x the floor);
#   - credential-process cold (no cache entry), answered by the source
#     itself or by a warm agent, interleaved;
#   - the agent's resident memory with 10 sessions (goal: at most 30 MiB).
# Against the fake AWS (bench/awsfake-server), built as the README installs.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
runs=${1:-21}
bench_init
bench_build ./cmd/awsauth ./bench/hello ./bench/proctime ./bench/agentbench
start_awsfake
mkdir -p "$work/home/.aws" "$work/run"
for i in $(seq 0 9); do
  cat >>"$work/home/.aws/config" <<INI
[profile dev$i]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

INI
done
cat >>"$work/home/.aws/config" <<'INI'
[sso-session corp]
sso_start_url = https://awsauth-demo.awsapps.com/start
sso_region = us-east-1
INI
export PATH="$work:$PATH" HOME="$work/home" XDG_RUNTIME_DIR="$work/run" AWS_EC2_METADATA_DISABLED=true \
  AWS_ENDPOINT_URL_SSO_OIDC="$fake" AWS_ENDPOINT_URL_SSO="$fake" AWS_ENDPOINT_URL_STS="$fake"
unset AWS_PROFILE AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWSAUTH_NO_AGENT
"$work/awsauth" login --sso-session corp --no-browser 2>/dev/null

echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  machine: $(nproc) cores, $(uname -m)"
echo
echo "== credential-process warm, an agent running (bench/proctime, interleaved)"
"$work/awsauth" agent start 2>/dev/null
"$work/awsauth" credential-process --profile dev0 >/dev/null
"$work/proctime" -n "$runs" -- "$work/hello" ::: "$work/awsauth" credential-process --profile dev0
"$work/awsauth" agent stop 2>/dev/null
echo
echo "== cold credential-process and the agent's memory (bench/agentbench)"
"$work/agentbench" -awsauth "$work/awsauth" -n "$runs" -sessions 10
