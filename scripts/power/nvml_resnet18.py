#!/usr/bin/env python3
"""Measures ResNet18 energy per inference on an NVIDIA GPU with NVML's energy counter (docs/benchmarks.md, "Power").

Runs torchvision's ResNet18 (the same architecture as the NuGet fixture: 1.82 GMAC per 224x224 image; random weights,
which do not change the work done) in FP32 and FP16 at batch 1 and batch 64, each back to back for --seconds after a
warm-up, and reads nvmlDeviceGetTotalEnergyConsumption (mJ since driver load) before and after. Idle power is measured
first for the same time and reported apart, so the dynamic share is visible. Prints one JSON object per line.

Needs: torch with CUDA, torchvision, pynvml (nvidia-ml-py). Not part of the test suite: run it on a machine with a GPU.
"""
import argparse
import json
import time

import pynvml
import torch
import torchvision


def energy_mj(handle):
    return pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)


def measure(handle, seconds, step):
    torch.cuda.synchronize()
    e0, t0, n = energy_mj(handle), time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds:
        step()
        n += 1
        if n % 20 == 0:
            torch.cuda.synchronize()
    torch.cuda.synchronize()
    return (energy_mj(handle) - e0) / 1000.0, time.perf_counter() - t0, n


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--batches", default="1,64")
    args = parser.parse_args()

    pynvml.nvmlInit()
    handle = pynvml.nvmlDeviceGetHandleByIndex(0)
    name = pynvml.nvmlDeviceGetName(handle)
    name = name.decode() if isinstance(name, bytes) else name
    torch.backends.cudnn.benchmark = True

    time.sleep(1.0)
    idle_j, idle_s, _ = measure(handle, args.seconds, lambda: time.sleep(0.05))
    idle_w = idle_j / idle_s
    print(json.dumps({"gpu": name, "driver": pynvml.nvmlSystemGetDriverVersion(), "torch": torch.__version__,
                      "idleW": round(idle_w, 2), "idleSeconds": round(idle_s, 2)}), flush=True)

    for precision, dtype in (("fp32", torch.float32), ("fp16", torch.float16)):
        model = torchvision.models.resnet18(weights=None).eval().to("cuda", dtype)
        for batch in (int(b) for b in args.batches.split(",")):
            x = torch.randn(batch, 3, 224, 224, device="cuda", dtype=dtype)
            with torch.inference_mode():
                step = lambda: model(x)
                measure(handle, 2.0, step)  # warm-up: cuDNN algorithm search, clocks up
                joules, seconds, runs = measure(handle, args.seconds, step)
            images = runs * batch
            print(json.dumps({
                "model": "resnet18", "precision": precision, "batch": batch, "runs": runs, "seconds": round(seconds, 3),
                "imagesPerSecond": round(images / seconds, 1), "averageW": round(joules / seconds, 1),
                "mJPerImage": round(1000 * joules / images, 3),
                "dynamicMJPerImage": round(1000 * (joules - idle_w * seconds) / images, 3),
            }), flush=True)
    pynvml.nvmlShutdown()


if __name__ == "__main__":
    main()
