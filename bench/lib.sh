# bench/lib.sh: what the benchmark scripts share. Source it from a script
# that has done `cd "$(dirname "$0")/.."`.
#
#   bench_init            a work directory, removed (with every server
#                         started here) when the script exits
#   bench_build PKG...    go build each package into $work, the way the
#                         README installs awsauth: static (CGO_ENABLED=0),
#                         -trimpath, -ldflags "-s -w"
#   bench_build_default PKG NAME
#                         plain `go build` (cgo on where there is a C
#                         compiler, so a binary linked against libc) -> $work/NAME
#   start_moto            moto_server on a free 127.0.0.1 port -> $moto
#   start_awsfake         awsauth's fake AWS (auto-approving) -> $fake
#   write_sso_profile     profile "dev" on sso-session "corp" in $work/home
#   median_ms CMD...      median wall time of RUNS runs (bench/proctime)

bench_init() {
  work=$(mktemp -d)
  bench_pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}

bench_build() {
  for p in "$@"; do CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/$(basename "$p")" "$p"; done
}

bench_build_default() {
  go build -o "$work/$2" "$1"
}

start_moto() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  bench_pids+=($!)
  moto="http://127.0.0.1:$port"
  for _ in $(seq 1 200); do curl -sf "$moto/moto-api/" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "moto did not start" >&2; cat "$work/moto.log" >&2; exit 1
}

start_awsfake() {
  [ -x "$work/awsfake-server" ] || bench_build ./bench/awsfake-server
  "$work/awsfake-server" >"$work/url" 2>"$work/fake.log" &
  bench_pids+=($!)
  for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.05; done
  fake=$(head -1 "$work/url")
  [ -n "$fake" ] || { echo "awsfake-server did not start" >&2; cat "$work/fake.log" >&2; exit 1; }
}

write_sso_profile() {
  mkdir -p "$work/home/.aws"
  cat >>"$work/home/.aws/config" <<'INI'
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = us-east-1

[sso-session corp]
sso_start_url = https://awsauth-demo.awsapps.com/start
sso_region = us-east-1

INI
}

median_ms() {
  [ -x "$work/proctime" ] || bench_build ./bench/proctime
  "$work/proctime" -n "${runs:-15}" -- "$@" | sed -E 's/^median=([0-9.]+)ms.*/\1/'
}
