#!/usr/bin/env bash
# Runs the whole EdgeOpt test suite on a fresh Debian machine with the .NET 10 SDK.
#   - installs the Debian packages the tests read (skipped when already installed; apt-get update only if needed)
#   - restores NuGet packages, including the ResNet18 model fixture (PackageDownload), then runs every test project
# Needs root or sudo only when packages are missing. Exits non-zero when anything fails.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# libonnx-testdata: ONNX conformance models (/usr/share/libonnx-testdata/data)
# dataset-fashion-mnist: Fashion-MNIST IDX files (/usr/share/datasets/fashion-mnist)
# locales: generates en_US.UTF-8 (below)
# python3-onnx: the reference ONNX checker (onnx.checker.check_model) that optimized/converted models must pass
# python3-skimage: natural photos (skimage/data/*.png) used as real inputs when verifying optimized models
# chromium: the browser tests/EdgeOpt.BrowserTests drives through Playwright (Playwright never downloads one)
# espeak-ng: speaks the sentences the voice-activity (Silero VAD) tests run through the model, 16 kHz after resampling
# qemu-user-static: runs the linux-arm64 / raspberry-pi packages' runner under user-mode emulation (qemu-aarch64-static),
#   so the arm64 build is run here and checked against ONNX Runtime on this machine
# afl++: the coverage-guided fuzzer behind fuzz/run.sh, whose 30 s-per-harness smoke test runs last (below)
# postgresql: the sweep cluster tests (tests/EdgeOpt.Tests/Sweep/PostgresCluster) initdb a throwaway server in a temp
#   folder on a free loopback port, run as nobody, for Orleans' membership and the edgeopt_sweep_results table
packages=(libonnx-testdata dataset-fashion-mnist locales python3-onnx python3-skimage chromium espeak-ng qemu-user-static afl++ postgresql)
# nodejs, npm: the build runs `npm ci` for onnxruntime-web (the web bundle); only when npm is not already on PATH
command -v npm >/dev/null || packages+=(nodejs npm)
# libc6, libstdc++6, libgcc-s1 for arm64: the C and C++ runtime the emulated runner (.NET's and ONNX Runtime's native
#   libraries) loads; Debian multiarch packages, so dpkg needs the arm64 architecture first (below). Native on arm64.
foreign=()
[[ $(dpkg --print-architecture) == arm64 ]] || foreign=(libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64)
packages+=(${foreign[@]+"${foreign[@]}"})

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "scripts/test.sh: installing ${missing[*]}"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "scripts/test.sh: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  # Idempotent: adds arm64 to dpkg's architectures only when an arm64 package is missing and it is not there yet.
  if [[ " ${missing[*]} " == *:arm64\ * ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    "${sudo[@]}" dpkg --add-architecture arm64
  fi
  "${sudo[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime's StringNormalizer (conformance models) needs the en_US.UTF-8 locale; the conformance pass lists are
# pinned with it, so a machine without it fails here, clearly, rather than in the middle of the suite.
if ! locale -a 2>/dev/null | grep -qi '^en_US\.utf-\?8$'; then
  if [[ $(id -u) -eq 0 ]] && command -v locale-gen >/dev/null; then
    sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' /etc/locale.gen
    grep -q '^en_US.UTF-8 UTF-8' /etc/locale.gen || echo 'en_US.UTF-8 UTF-8' >> /etc/locale.gen
    locale-gen >/dev/null
  fi
  if ! locale -a 2>/dev/null | grep -qi '^en_US\.utf-\?8$'; then
    echo "scripts/test.sh: the en_US.UTF-8 locale is missing and could not be generated (run as root, or: sudo locale-gen en_US.UTF-8)" >&2
    exit 1
  fi
fi

command -v dotnet >/dev/null || { echo "scripts/test.sh: the .NET 10 SDK (dotnet) is not on PATH" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build EdgeOpt.slnx -c Release
# One test project at a time: the browser tests (Chromium + WASM threads) and the timing-sensitive benchmark tests
# must not share the CI machine's two cores with each other. Both run even when the first fails.
status=0
for project in tests/EdgeOpt.Tests tests/EdgeOpt.BrowserTests; do
  dotnet test "$project" -c Release --no-build "$@" || status=1
done
# The fuzzing smoke test: every harness under afl-fuzz for EDGEOPT_FUZZ_SMOKE_SECONDS (default 30; 0 skips it), failing
# on any saved crash (docs/reliability.md, "Coverage-guided fuzzing"). Skipped when arguments select a subset of tests.
smoke_seconds=${EDGEOPT_FUZZ_SMOKE_SECONDS:-30}
if (($# == 0 && smoke_seconds > 0)); then
  bash fuzz/run.sh --smoke "$smoke_seconds" || status=1
fi
exit "$status"
