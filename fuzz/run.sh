#!/usr/bin/env bash
# Coverage-guided fuzzing of EdgeOpt's readers with AFL++ and SharpFuzz (docs/reliability.md, "Coverage-guided fuzzing").
#
#   fuzz/run.sh HARNESS SECONDS [--jobs N]   fuzz one harness for SECONDS (N afl-fuzz instances, default 1)
#   fuzz/run.sh --smoke [SECONDS]            every harness for SECONDS each (default 30) with a fixed seed: the CI smoke test
#   fuzz/run.sh --list                       the harnesses
#
# Installs what it needs when missing: Debian's afl++ (apt-get; root or sudo) and the sharpfuzz dotnet tool 2.3.0
# (fuzz/.tools). Builds fuzz/EdgeOpt.Fuzz in Release, copies the output to fuzz/.out/bin and instruments the EdgeOpt.dll
# copy there (the build output itself stays plain). Seeds: fuzz/corpus/HARNESS, plus seeds generated from the fixtures on
# this machine for runs of 5 minutes or more. Findings go to fuzz/.out/HARNESS/findings (afl-fuzz's output folder).
# Prints execs_done, edges found, coverage, crashes and hangs from fuzzer_stats, replays every saved crash to show its
# exception, and exits 1 when a crash was saved (hangs are reported, not fatal: on a loaded machine a slow input is not
# necessarily a hang; `EdgeOpt.Fuzz --replay` times them).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
out=$root/fuzz/.out
tools=$root/fuzz/.tools
sharpfuzz_version=2.3.0

# An input must finish within this (ms), or afl-fuzz records a hang (fixed: auto-scaling from fast seeds makes a JIT or GC pause a hang).
timeout_ms=${FUZZ_TIMEOUT_MS:-5000}
# Larger allocations throw OutOfMemoryException (a finding) instead of swapping the machine: "unbounded allocation".
heap_limit=${FUZZ_HEAP_LIMIT:-0x40000000}
# The smoke's afl-fuzz seed: fixed, so CI repeats the mutations run before landing (docs/reliability.md); long runs draw one.
smoke_seed=${FUZZ_SEED:-1}
seed=()

usage() {
  sed -n '3,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

install_afl() {
  command -v afl-fuzz >/dev/null && return
  echo "fuzz/run.sh: installing afl++ (Debian)"
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "fuzz/run.sh: need root or sudo to install afl++" >&2; exit 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends afl++
}

install_sharpfuzz() {
  [[ -x $tools/sharpfuzz ]] && return
  echo "fuzz/run.sh: installing SharpFuzz.CommandLine $sharpfuzz_version into fuzz/.tools"
  dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$tools" >/dev/null
}

build() {
  echo "fuzz/run.sh: building fuzz/EdgeOpt.Fuzz (Release) and instrumenting EdgeOpt.dll"
  dotnet build "$root/fuzz/EdgeOpt.Fuzz" -c Release -nologo -v quiet >/dev/null
  rm -rf "$out/bin"
  mkdir -p "$out"
  cp -r "$root/fuzz/EdgeOpt.Fuzz/bin/Release/net10.0" "$out/bin"
  "$tools/sharpfuzz" "$out/bin/EdgeOpt.dll" >/dev/null
}

# The plain (uninstrumented) build: instrumented code may only run under afl-fuzz, inside SharpFuzz's fork server.
plain=$root/fuzz/EdgeOpt.Fuzz/bin/Release/net10.0/EdgeOpt.Fuzz.dll

harnesses() { dotnet "$plain" --list | awk '{print $1}'; }

stat_of() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$2"; }

# Sums (or, for coverage, takes the best of) the instances' fuzzer_stats and prints one line; sets $crashes.
report() {
  local harness=$1 findings=$2 execs=0 edges=0 total=0 cvg=0 c=0 h=0 speed=0 corpus=0 stats
  for stats in "$findings"/*/fuzzer_stats; do
    [[ -f $stats ]] || continue
    execs=$((execs + $(stat_of execs_done "$stats")))
    c=$((c + $(stat_of saved_crashes "$stats")))
    h=$((h + $(stat_of saved_hangs "$stats")))
    speed=$(awk -v a="$speed" -v b="$(stat_of execs_per_sec "$stats")" 'BEGIN { printf "%.0f", a + b }')
    local e t v n
    e=$(stat_of edges_found "$stats"); t=$(stat_of total_edges "$stats"); v=$(stat_of bitmap_cvg "$stats"); n=$(stat_of corpus_count "$stats")
    ((e > edges)) && { edges=$e; total=$t; cvg=$v; }
    ((n > corpus)) && corpus=$n
  done
  printf '%-16s execs_done=%s execs_per_sec=%s edges_found=%s/%s bitmap_cvg=%s corpus=%s saved_crashes=%s saved_hangs=%s\n' \
    "$harness" "$execs" "$speed" "$edges" "$total" "$cvg" "$corpus" "$c" "$h"
  crashes=$c
}

# Shows what each saved crash throws (in-process replay, not instrumented-dependent).
replay_crashes() {
  local harness=$1 findings=$2 files=()
  mapfile -t files < <(find "$findings" -path '*/crashes/id:*' -type f 2>/dev/null | sort)
  ((${#files[@]} > 0)) || return 0
  echo "fuzz/run.sh: ${#files[@]} saved crash(es) of $harness, replayed:"
  dotnet "$plain" --replay "$harness" "${files[@]}" | grep -av '^accepted\|^refused\|^  [A-Za-z]*Exception: .*$' || true
}

fuzz() {
  local harness=$1 seconds=$2 jobs=$3
  local dir=$out/$harness seeds=$out/$harness/seeds findings=$out/$harness/findings
  rm -rf "$dir"
  mkdir -p "$seeds"
  cp "$root/fuzz/corpus/$harness"/* "$seeds/"
  if ((seconds >= 300)); then dotnet "$plain" --extra-seeds "$harness" "$seeds" "$root"; fi

  export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 \
    AFL_FAST_CAL=1 AFL_SHUFFLE_QUEUE=1 AFL_FORKSRV_INIT_TMOUT=120000 AFL_TMPDIR=/dev/shm AFL_NO_CRASH_README=1
  export DOTNET_GCHeapHardLimit=$heap_limit DOTNET_TieredPGO=0 DOTNET_gcServer=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  local target=(dotnet "$out/bin/EdgeOpt.Fuzz.dll" "$harness") pids=() i
  echo "fuzz/run.sh: $harness for ${seconds}s, $jobs instance(s), $(ls "$seeds" | wc -l) seeds"
  for ((i = 0; i < jobs; i++)); do
    local role=(-M main)
    ((i > 0)) && role=(-S "secondary$i")
    afl-fuzz -i "$seeds" -o "$findings" "${role[@]}" ${seed[@]+"${seed[@]}"} -t "$timeout_ms" -m none -V "$seconds" -- "${target[@]}" \
      >"$dir/afl-$i.log" 2>&1 &
    pids+=($!)
  done
  local failed=0
  for i in "${!pids[@]}"; do wait "${pids[$i]}" || { echo "fuzz/run.sh: afl-fuzz instance $i failed; log tail:" >&2; tail -20 "$dir/afl-$i.log" >&2; failed=1; }; done
  ((failed == 0)) || return 1
  report "$harness" "$findings"
  replay_crashes "$harness" "$findings"
}

[[ $# -ge 1 ]] || usage
install_afl
install_sharpfuzz
build

case $1 in
  --list)
    dotnet "$plain" --list
    ;;
  --smoke)
    seconds=${2:-30}
    seed=(-s "$smoke_seed")
    total=0
    summary=()
    for harness in $(harnesses); do
      fuzz "$harness" "$seconds" 1 | tee "$out/smoke-$harness.txt"
      summary+=("$(grep "^$harness " "$out/smoke-$harness.txt")")
      c=$(grep -o 'saved_crashes=[0-9]*' "$out/smoke-$harness.txt" | cut -d= -f2)
      total=$((total + ${c:-1}))
    done
    echo "fuzz/run.sh: smoke summary (${seconds}s each)"
    printf '%s\n' "${summary[@]}"
    ((total == 0)) || { echo "fuzz/run.sh: $total crash(es) saved" >&2; exit 1; }
    ;;
  -*)
    usage
    ;;
  *)
    harness=$1
    seconds=${2:?SECONDS missing}
    jobs=1
    [[ ${3:-} == --jobs ]] && jobs=${4:?N missing}
    harnesses | grep -qx "$harness" || { echo "fuzz/run.sh: unknown harness '$harness'; expected one of: $(harnesses | tr '\n' ' ')" >&2; exit 2; }
    crashes=0
    fuzz "$harness" "$seconds" "$jobs"
    ((crashes == 0)) || exit 1
    ;;
esac
