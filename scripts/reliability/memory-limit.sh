#!/usr/bin/env bash
# Runs `edgeopt inspect`, `optimize` and `progressive` on ResNet18 under a 512 MB memory limit and reports, for each,
# whether it finished or failed cleanly (exit code, its one error line, no partial output or temps left) and its peak RSS.
#
#   scripts/reliability/memory-limit.sh [LIMIT_MB]      (default 512; build first: dotnet build EdgeOpt.slnx -c Release)
#
# The limit is a cgroup v2 memory.max when /sys/fs/cgroup is writable (a real container or VM as root): resident memory
# is then capped at LIMIT_MB. Otherwise (a container whose cgroup fs is read-only) the run uses `ulimit -v` and the
# GC's own hard limit instead: .NET cannot start under a 512 MB address-space limit at all (CoreCLR reserves over 1 GB
# of address space for code and its GC before running anything: "Failed to create CoreCLR, HRESULT: 0x8007000E" up to
# about 2 GB), so the address space is capped at VA_MB (default 3072) and DOTNET_GCHeapHardLimit holds the managed heap
# to 60% of LIMIT_MB (the rest is left for the runtime, JIT, thread stacks and ONNX Runtime's native allocations); peak
# RSS is then compared with LIMIT_MB. The hard limit is set under a cgroup too, so the two modes are comparable (the GC
# would read the cgroup's limit itself). Results go to stdout as a Markdown table.
set -euo pipefail

limit_mb=${1:-512}
va_mb=${VA_MB:-3072}
repo=$(cd "$(dirname "$0")/../.." && pwd)
cli=${EDGEOPT_CLI:-$repo/src/EdgeOpt.Cli/bin/Release/net10.0/EdgeOpt.Cli}
model=${EDGEOPT_RESNET18:-$HOME/.nuget/packages/microsoft.ml.dnnimagefeaturizer.resnet18/0.23.1/tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx}
# GC heap: 60% of the limit, the rest for everything outside the managed heap.
heap_bytes=$(( limit_mb * 1024 * 1024 * 60 / 100 ))
[[ -x $cli ]] || { echo "error: $cli not built (dotnet build EdgeOpt.slnx -c Release)" >&2; exit 2; }
[[ -f $model ]] || { echo "error: ResNet18 not found at $model (set EDGEOPT_RESNET18)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"; [[ -n ${cgroup:-} ]] && rmdir "$cgroup" 2>/dev/null || true' EXIT

cgroup=
if [[ -w /sys/fs/cgroup/cgroup.subtree_control ]] && grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
  cgroup=/sys/fs/cgroup/edgeopt-memory-limit-$$
  mkdir "$cgroup"
  echo $(( limit_mb * 1024 * 1024 )) > "$cgroup/memory.max"
  echo 0 > "$cgroup/memory.swap.max" 2>/dev/null || true
  mode="cgroup v2 memory.max=${limit_mb}M"
else
  mode="ulimit -v $(( va_mb * 1024 )) KiB (address space; no writable cgroup)"
fi
echo "mode: $mode; DOTNET_GCHeapHardLimit=$(printf '0x%x' "$heap_bytes") ($(( heap_bytes / 1024 / 1024 )) MiB)"
echo
echo "| command | exit | result | peak RSS (MiB) | within ${limit_mb} MiB | output | temps left |"
echo "|---|---|---|---|---|---|---|"

run() { # NAME OUTPUT ARGS...
  local name=$1 output=$2; shift 2
  local err=$work/$name.err timing=$work/$name.time
  local code=0
  (
    [[ -n $cgroup ]] && echo $BASHPID > "$cgroup/cgroup.procs"
    [[ -z $cgroup ]] && ulimit -v $(( va_mb * 1024 ))
    export DOTNET_GCHeapHardLimit=$(printf '0x%x' "$heap_bytes")
    exec /usr/bin/time -v -o "$timing" "$cli" "$@"
  ) > "$work/$name.out" 2> "$err" || code=$?
  local rss_kb
  rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$timing" 2>/dev/null || true)
  local result
  if [[ $code -eq 0 ]]; then result="finished"
  else result="failed: $(grep -v '^\s*$' "$err" | grep -v 'Command exited with non-zero status' | head -3 | tr '\n' ' ' | cut -c1-160)"; fi
  local produced="-"
  [[ -n $output ]] && { if [[ -e $output ]]; then produced="written"; else produced="none"; fi; }
  local temps
  temps=$(find "$work" -name '*edgeopt-tmp*' | wc -l)
  local rss_mb=$(( ${rss_kb:-0} / 1024 ))
  local within=yes
  (( rss_mb > limit_mb )) && within=no
  echo "| $name | $code | $result | $rss_mb | $within | $produced | $temps |"
}

run inspect "" inspect "$model"
run optimize "$work/optimized.onnx" optimize "$model" -o "$work/optimized.onnx"
run progressive "$work/package" progressive "$model" -o "$work/package"
