#!/usr/bin/env bash
# Coordination overhead of `edgeopt sweep --cluster` (issue 19, "Scaling"): candidates that sleep a fixed time instead
# of computing (EDGEOPT_TEST_WORKER_SLEEP_MS), with 1, 2, 4, 8 `edgeopt worker` processes of one slot each, against the
# ideal throughput (workers × 1000 / sleep-ms candidates per second); then the ceiling the database sets: single-row
# INSERT ... ON CONFLICT DO NOTHING of a result-sized row into a copy of edgeopt_sweep_results (pgbench, 1 to 8 clients).
#
#   scripts/sweep/scaling.sh [--sleep-ms 200] [--candidates 160] [--workers "1 2 4 8"] [--no-build] [--results DIR]
#
# Starts its own throwaway PostgreSQL (Debian's postgresql: initdb into a temp folder, pg_ctl on a free loopback port,
# as nobody under root, as the test fixture does), one database per worker count (content keys are per sweep, so no
# run reuses another's results), and the workers on loopback ports. The candidates: copies of the demo model made
# distinct by an extra ModelProto doc_string (valid ONNX, another SHA-256) × every catalogue device × fp32, fp16,
# int8-dynamic, int4. Everything started here is stopped and deleted on exit (trap). Prints a markdown table (also in
# RESULTS/report.md). Not part of the test suite.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
sleep_ms=200 candidates=160 counts="1 2 4 8" build=1 results=""
while (($#)); do
  case $1 in
    --sleep-ms) sleep_ms=$2; shift 2 ;;
    --candidates) candidates=$2; shift 2 ;;
    --workers) counts=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --results) results=$2; shift 2 ;;
    *) echo "scaling.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
say() { echo "scaling: $*" >&2; }

cli=$root/src/EdgeOpt.Cli/bin/Release/net10.0/EdgeOpt.Cli
if ((build)); then
  say "building the CLI (Release)"
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet build "$root/src/EdgeOpt.Cli" -c Release -v quiet -nologo >&2
fi
[[ -x $cli ]] || { say "$cli is missing; build it (dotnet build src/EdgeOpt.Cli -c Release) or drop --no-build"; exit 2; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -x $pgbin/initdb ]] || { say "PostgreSQL is not installed (apt-get install postgresql)"; exit 2; }

work=$(mktemp -d /tmp/edgeopt-scaling.XXXXXX)
chmod 711 "$work" # nobody (PostgreSQL) must reach its folder inside
[[ -n $results ]] || results=$work/results
mkdir -p "$results"
pids=()
as_pg() { if ((EUID == 0)); then (cd /tmp && runuser -u nobody -- "$@"); else "$@"; fi; }
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [[ -f $work/pg/data/postmaster.pid ]] && as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  [[ $results == "$work"/* ]] && { cp "$results/report.md" /tmp/edgeopt-scaling-report.md 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- PostgreSQL ---------------------------------------------------------------------------------------------------------
mkdir -p "$work/pg"; chmod 700 "$work/pg"; ((EUID == 0)) && chown nobody:nogroup "$work/pg"
port=$(free_port)
as_pg "$pgbin/initdb" -D "$work/pg/data" -U edgeopt --auth=trust -E UTF8 --no-sync --no-instructions >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w -t 120 \
  -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
psql() { "$pgbin/psql" -h 127.0.0.1 -p "$port" -U edgeopt -X -q -t -A "$@"; }
say "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (fsync off)"

# --- the sweep file -----------------------------------------------------------------------------------------------------
mkdir -p "$work/models"
"$cli" devices --json | python3 -c 'import json,sys; print("\n".join(d["id"] for d in json.load(sys.stdin)["devices"] if d["id"] != "host"))' >"$work/devices"
ndev=$(wc -l <"$work/devices")
nmodels=$(( (candidates + ndev * 4 - 1) / (ndev * 4) ))
for i in $(seq 1 "$nmodels"); do
  f=$work/models/m$(printf %03d "$i").onnx
  cp "$root/src/EdgeOpt.Cli/Resources/demo/fashion-cnn.onnx" "$f"
  printf '\x32\x04%04d' "$i" >>"$f" # ModelProto.doc_string (field 6): valid ONNX, another hash
done
python3 - "$work" "$candidates" <<'PY'
import json, os, sys
work, n = sys.argv[1], int(sys.argv[2])
models = sorted(os.listdir(f"{work}/models")); devices = open(f"{work}/devices").read().split()
precisions = ["fp32", "fp16", "int8-dynamic", "int4"]
# Whole models: at least n candidates.
per_model = len(devices) * len(precisions)
full, rest = divmod(n, per_model)
spec = {"models": [f"models/{m}" for m in models[:full + (1 if rest else 0)]], "devices": devices, "precisions": precisions, "latencyRuns": 1}
json.dump(spec, open(f"{work}/sweep.json", "w"))
print(len(spec["models"]) * per_model, file=open(f"{work}/total", "w"))
PY
total=$(cat "$work/total")
say "$total candidates ($ndev devices × 4 precisions × $(python3 -c "import json;print(len(json.load(open('$work/sweep.json'))['models']))") models), $sleep_ms ms each"

cat >"$results/report.md" <<MD
| workers (1 slot each) | candidates | ideal /s | measured /s (first start → last finish) | efficiency | overhead per candidate | coordinator wall (incl. start) |
|---:|---:|---:|---:|---:|---:|---:|
MD

# --- one run per worker count -------------------------------------------------------------------------------------------
for n in $counts; do
  db=scale_$n
  psql -d postgres -c "CREATE DATABASE $db;"
  conn="Host=127.0.0.1;Port=$port;Username=edgeopt;Database=$db"
  pids=()
  for w in $(seq 1 "$n"); do
    EDGEOPT_TEST_WORKER_SLEEP_MS=$sleep_ms "$cli" worker --cluster "$conn" --slots 1 --address 127.0.0.1 \
      --port "$(free_port)" --gateway-port "$(free_port)" 2>"$work/worker-$n-$w.log" &
    pids+=($!)
  done
  for _ in $(seq 1 600); do
    active=$(psql -d "$db" -c "SELECT COUNT(*) FROM OrleansMembershipTable WHERE Status = 3;" 2>/dev/null || echo 0)
    ((active >= n)) && break
    sleep 0.5
  done
  ((active >= n)) || { say "only $active of $n workers joined"; tail -3 "$work"/worker-"$n"-*.log >&2; exit 1; }
  start=$(date +%s.%N)
  code=0
  "$cli" sweep "$work/sweep.json" -o "$work/out-$n" --cluster "$conn" --json >/dev/null 2>"$work/sweep-$n.log" || code=$?
  wall=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
  # Every result is "failed" (slept, not evaluated), so the sweep's exit is 3 (no variant meets the constraints).
  ((code == 0 || code == 3)) || { say "sweep with $n workers exited $code"; tail -5 "$work/sweep-$n.log" >&2; exit 1; }
  read -r rows span < <(psql -d "$db" -F ' ' -c "SELECT COUNT(*), EXTRACT(EPOCH FROM MAX(finished) - MIN(started)) FROM edgeopt_sweep_results;")
  ((rows == total)) || { say "$rows rows stored, expected $total"; exit 1; }
  python3 - "$n" "$rows" "$span" "$sleep_ms" "$wall" >>"$results/report.md" <<'PY'
import sys
n, rows, span, sleep, wall = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
ideal = n * 1000 / sleep
measured = rows / span
overhead = n * span / rows * 1000 - sleep  # per slot: time per candidate beyond the sleep
print(f"| {n} | {rows} | {ideal:.1f} | {measured:.1f} | {measured / ideal:.0%} | {overhead:.0f} ms | {wall} s |")
PY
  say "$(tail -1 "$results/report.md")"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
done

# --- the database's ceiling: result-sized single-row upserts ------------------------------------------------------------
last=scale_$(echo "$counts" | awk '{print $NF}')
psql -d "$last" -c "CREATE TABLE bench_results (LIKE edgeopt_sweep_results INCLUDING ALL);"
bytes=$(psql -d "$last" -c "SELECT ROUND(AVG(octet_length(spec_json::text) + octet_length(result_json::text))) FROM edgeopt_sweep_results;")
cat >"$work/insert.sql" <<'SQL'
INSERT INTO bench_results SELECT md5(random()::text) || md5(random()::text), sweep_id, model, model_sha256, device, precision,
  status, spec_json, result_json, host_fingerprint, tool_version, started, finished, worker
FROM edgeopt_sweep_results LIMIT 1 ON CONFLICT (key) DO NOTHING;
SQL
cat >>"$results/report.md" <<MD

| database clients (pgbench, 10 s) | result-row upserts /s (rows of ~$bytes bytes of JSON) |
|---:|---:|
MD
for c in 1 2 4 8; do
  tps=$(PGPASSWORD= "$pgbin/pgbench" -h 127.0.0.1 -p "$port" -U edgeopt -n -c "$c" -j "$c" -T 10 -f "$work/insert.sql" "$last" 2>/dev/null \
    | awk '/^tps/ {print int($3)}')
  echo "| $c | $tps |" >>"$results/report.md"
  say "pgbench $c clients: $tps upserts/s"
done
cat "$results/report.md"
