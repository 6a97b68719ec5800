#!/usr/bin/env bash
# Device check for issue 15: EdgeOpt's own NVML energy reader (Power/Sensors/NvmlEnergy, through
# `edgeopt benchmark --sustained`) against pynvml reading the same counter over the same window, while torch keeps the
# GPU busy. Runs on a machine with an NVIDIA GPU, its driver, python3 with torch and pynvml, and no .NET: EdgeOpt is a
# self-contained single-file build made beforehand on the development machine:
#   dotnet publish src/EdgeOpt.Cli/EdgeOpt.Cli.csproj -c Release -r linux-x64 --self-contained true \
#     -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
#     -p:PublishTrimmed=true -p:TrimMode=partial -p:TreatWarningsAsErrors=false -p:SuppressTrimAnalysisWarnings=true \
#     -o artifacts/gpu-cli
# Usage: scripts/power/nvml_edgeopt_check.sh OUT_FOLDER [SECONDS]
set -euo pipefail
out=${1:?output folder}
seconds=${2:-20}
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cli=artifacts/gpu-cli/EdgeOpt.Cli
model=src/EdgeOpt.Cli/Resources/demo/fashion-cnn.onnx
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,power.draw,power.limit --format=csv > "$out/nvidia-smi.csv" || true
"$cli" devices host --json > "$out/host.json" 2> "$out/host.err" || echo "devices host failed: $?" >> "$out/host.err"

# GPU load for the whole window (and a bit on both sides), in the background.
python3 - "$((seconds + 6))" > "$out/load.txt" 2>&1 <<'PY' &
import sys, time, torch
end = time.time() + float(sys.argv[1])
a = torch.randn(8192, 8192, device="cuda", dtype=torch.float16)
n = 0
while time.time() < end:
    for _ in range(20): a = (a @ a).clamp_(-1, 1)
    torch.cuda.synchronize(); n += 20
print(f"matmuls {n}")
PY
load=$!
sleep 3

# pynvml over the same window: total energy of every GPU before and after EdgeOpt's sustained run.
read -r before_mj before_t < <(python3 -c "
import pynvml, time; pynvml.nvmlInit()
print(sum(pynvml.nvmlDeviceGetTotalEnergyConsumption(pynvml.nvmlDeviceGetHandleByIndex(i)) for i in range(pynvml.nvmlDeviceGetCount())), time.time())")
"$cli" benchmark "$model" --sustained "${seconds}s" --json > "$out/sustained.json" 2> "$out/sustained.err" || echo "sustained failed: $?" >> "$out/sustained.err"
read -r after_mj after_t < <(python3 -c "
import pynvml, time; pynvml.nvmlInit()
print(sum(pynvml.nvmlDeviceGetTotalEnergyConsumption(pynvml.nvmlDeviceGetHandleByIndex(i)) for i in range(pynvml.nvmlDeviceGetCount())), time.time())")
wait "$load" || true
python3 - "$before_mj" "$after_mj" "$before_t" "$after_t" > "$out/pynvml.json" <<'PY'
import json, sys
b, a, tb, ta = map(float, sys.argv[1:])
print(json.dumps({"energyJoules": (a - b) / 1000, "seconds": ta - tb, "averageWatts": (a - b) / 1000 / (ta - tb)}))
PY
cat "$out/pynvml.json"
python3 -c "
import json; r = json.load(open('$out/sustained.json'))
print('edgeopt powerSource', r.get('powerSource'), 'sensors', [(s['kind'], s['available']) for s in r.get('sensors', [])])
print('edgeopt window watts', [w.get('powerWatts') for w in r['windows']])"
