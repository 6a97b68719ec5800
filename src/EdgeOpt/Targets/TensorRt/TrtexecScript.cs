using System.Globalization;
using System.Text;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>
/// <c>build_engine.sh</c>: the trtexec command that builds the package's engine on the Jetson, with a check that trtexec
/// is there (JetPack installs it at /usr/src/tensorrt/bin/trtexec, not on PATH). An INT8 package has two engines to
/// choose from: explicit (model.onnx's Q/DQ scales, the default) and calibrated (model.float.onnx and calibration.cache).
/// </summary>
internal static class TrtexecScript
{
    public const string FileName = "build_engine.sh";
    public const string DefaultTrtexec = "/usr/src/tensorrt/bin/trtexec";

    /// <summary>The trtexec arguments for <paramref name="engine"/> (paths relative to the package folder).</summary>
    public static List<string> Arguments(EngineSettings engine, string calibrationVariable = "")
    {
        var args = new List<string> { $"--onnx={engine.Model}" };
        if (engine.Int8) args.Add("--int8");
        // With INT8, FP16 too: layers TensorRT keeps in float (or finds faster in half) need not fall back to FP32.
        if (engine.Fp16) args.Add("--fp16");
        if (engine.Calibrated) args.Add($"--calib=\"{calibrationVariable}\"");
        if (engine.Sparsity) args.Add("--sparsity=enable");
        foreach (var (flag, shape) in new (string, Func<ShapeRange, IReadOnlyList<long>>)[] { ("--minShapes", r => r.Min), ("--optShapes", r => r.Opt), ("--maxShapes", r => r.Max) })
            if (engine.Profiles.Count > 0) args.Add($"{flag}=\"{ShapeProfiles.TrtexecShapes(engine.Profiles, shape)}\"");
        args.Add(FormattableString.Invariant($"--memPoolSize=workspace:{engine.WorkspaceMiB}"));
        args.Add($"--saveEngine={EngineSettings.CacheFolder}/{engine.EngineFile}");
        args.Add($"--timingCacheFile={EngineSettings.CacheFolder}/{EngineSettings.TimingCacheFile}");
        return args;
    }

    /// <summary>The script; <paramref name="calibrated"/> (INT8 only) adds the <c>calibrated</c> mode.</summary>
    public static string Write(EngineSettings engine, EngineSettings? calibrated)
    {
        var text = new StringBuilder();
        text.Append("#!/usr/bin/env bash\n");
        text.Append("# Builds this package's TensorRT engine with trtexec. Written by EdgeOpt; README.md explains the flags.\n");
        text.Append("# Run it on the Jetson, in the power mode you deploy with: TensorRT times its kernels at the clocks it finds.\n");
        if (calibrated is not null)
        {
            text.Append("#   ./build_engine.sh             explicit INT8: model.onnx, scales from its Q/DQ nodes\n");
            text.Append("#   ./build_engine.sh calibrated  implicit INT8: model.float.onnx, ranges from trt_cache/calibration.cache\n");
        }
        text.Append("set -euo pipefail\n");
        text.Append("cd \"$(dirname \"$0\")\"\n\n");
        text.Append(CultureInfo.InvariantCulture, $"trtexec=\"${{TRTEXEC:-{DefaultTrtexec}}}\"\n");
        text.Append("if [ ! -x \"$trtexec\" ]; then\n");
        text.Append("  if command -v trtexec >/dev/null 2>&1; then\n");
        text.Append("    trtexec=\"$(command -v trtexec)\"\n");
        text.Append("  else\n");
        text.Append(CultureInfo.InvariantCulture, $"    echo \"build_engine.sh: trtexec is not at {DefaultTrtexec} (JetPack's TensorRT) nor on PATH: install TensorRT ('sudo apt install nvidia-jetpack') or set TRTEXEC=/path/to/trtexec\" >&2\n");
        text.Append("    exit 1\n");
        text.Append("  fi\n");
        text.Append("fi\n");
        text.Append(CultureInfo.InvariantCulture, $"mkdir -p {EngineSettings.CacheFolder}\n\n");
        if (calibrated is null)
        {
            text.Append("\"$trtexec\" ").AppendJoin(" \\\n  ", Arguments(engine)).Append('\n');
            return text.ToString();
        }

        text.Append(CalibrationHeaderFix);
        text.Append("\ncase \"${1:-explicit}\" in\n");
        text.Append("  explicit)\n");
        text.Append("    \"$trtexec\" ").AppendJoin(" \\\n      ", Arguments(engine)).Append('\n');
        text.Append("    ;;\n");
        text.Append("  calibrated)\n");
        text.Append(CultureInfo.InvariantCulture, $"    calib=\"$(local_calibration_cache {EngineSettings.CacheFolder}/{NativeCalibrationCache.FileName})\"\n");
        text.Append("    \"$trtexec\" ").AppendJoin(" \\\n      ", Arguments(calibrated, "$calib")).Append('\n');
        text.Append("    ;;\n");
        text.Append("  *)\n");
        text.Append("    echo \"usage: $0 [explicit|calibrated]\" >&2\n");
        text.Append("    exit 2\n");
        text.Append("    ;;\n");
        text.Append("esac\n");
        return text.ToString();
    }

    // TensorRT takes a calibration cache only when its first line names its own version (TRT-<NV_TENSORRT_VERSION>-...):
    // the cache names the TensorRT of JetPack 6.1/6.2, so on another one the script writes a copy with the device's.
    private static string CalibrationHeaderFix => $$"""
        # The TensorRT on this device as "major minor patch", from its header or its package.
        tensorrt_version() {
          local header
          for header in /usr/include/aarch64-linux-gnu/NvInferVersion.h /usr/include/x86_64-linux-gnu/NvInferVersion.h /usr/include/NvInferVersion.h; do
            if [ -f "$header" ]; then
              awk '$1 == "#define" && $2 ~ /^NV_TENSORRT_(MAJOR|MINOR|PATCH)$/ { v[$2] = $3 } END { print v["NV_TENSORRT_MAJOR"], v["NV_TENSORRT_MINOR"], v["NV_TENSORRT_PATCH"] }' "$header"
              return
            fi
          done
          dpkg-query -W -f='${Version}' libnvinfer-bin 2>/dev/null | awk -F'[.-]' '{ print $1, $2, $3 }'
        }

        # Prints the calibration cache to use: $1, or a copy whose first line names this device's TensorRT.
        local_calibration_cache() {
          local cache="$1" major="" minor="" patch="" number header
          read -r major minor patch <<< "$(tensorrt_version || true)" || true
          if ! [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ && "$patch" =~ ^[0-9]+$ ]]; then
            echo "build_engine.sh: cannot tell this device's TensorRT version; using $cache as written ($(head -n 1 "$cache"))" >&2
            echo "$cache"
            return
          fi
          if [ "$major" -ge 10 ]; then number=$((major * 10000 + minor * 100 + patch)); else number=$((major * 1000 + minor * 100 + patch)); fi
          header="TRT-${number}-{{NativeCalibrationCache.Algorithm}}"
          if [ "$(head -n 1 "$cache")" = "$header" ]; then
            echo "$cache"
          else
            { echo "$header"; tail -n +2 "$cache"; } > "{{EngineSettings.CacheFolder}}/calibration.local.cache"
            echo "{{EngineSettings.CacheFolder}}/calibration.local.cache"
          fi
        }

        """;
}
