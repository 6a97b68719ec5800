using System.Globalization;
using System.Text;
using EdgeOpt.Targets.Internal;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>The Jetson package's README: files, engine build, running with ORT's TensorRT EP, power mode, report, checks.</summary>
internal static class JetsonReadme
{
    public static string Write(PackageContext context, EngineSettings engine, EngineSettings? calibrated, ProviderReport report,
        PowerModeAdvice.Advice power, SparsityDetector.Result sparsity)
    {
        var text = new StringBuilder("# Jetson package (TensorRT)\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Made by EdgeOpt from `{Path.GetFileName(context.SourcePath)}` at precision {context.PrecisionName}");
        if (context.Device is { } device) text.Append(CultureInfo.InvariantCulture, $" for {device.Name}");
        text.Append(CultureInfo.InvariantCulture, $". ONNX Runtime {context.OnnxRuntimeVersion} verified the models on the CPU; ");
        text.Append("**building the TensorRT engine needs the device** (TensorRT builds an engine for the GPU and TensorRT version it runs on).\n\n");

        text.Append("| file | what it is |\n|---|---|\n");
        text.Append(calibrated is null
            ? $"| `{JetsonWriter.ModelFile}` | the model in a form TensorRT's ONNX parser takes{(engine.Profiles.Count == 0 ? ", static shapes" : ", dynamic inputs with the profile below")} |\n"
            : $"| `{JetsonWriter.ModelFile}` | INT8 with Q/DQ nodes (explicit quantization): weights as float constants behind Q/DQ pairs, biases float, as TensorRT's parser needs |\n");
        if (calibrated is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"| `{JetsonWriter.FloatModelFile}` | the same graph in float, tensor names unchanged: the model the calibration caches apply to (implicit quantization) |\n");
            text.Append(CultureInfo.InvariantCulture, $"| `{EngineSettings.CacheFolder}/{NativeCalibrationCache.FileName}` | TensorRT's calibration cache (`{NativeCalibrationCache.Header}`, `tensor: <scale bits>`), for `trtexec --calib` and `trt_int8_use_native_calibration_table=1` |\n");
            text.Append(CultureInfo.InvariantCulture, $"| `{EngineSettings.CacheFolder}/{OrtCalibrationTable.FileName}` | ONNX Runtime's calibration table (FlatBuffers TrtTable, tensor → range), for the TensorRT EP's default reader |\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"| `{TrtexecScript.FileName}` | builds the engine with trtexec into `{EngineSettings.CacheFolder}/` |\n");
        text.Append(CultureInfo.InvariantCulture, $"| `{TensorRtOptions.FileName}` | ONNX Runtime TensorRT EP options for `{engine.Model}` |\n");
        if (calibrated is not null) text.Append(CultureInfo.InvariantCulture, $"| `{TensorRtOptions.CalibratedFileName}` | the same for `{calibrated.Model}` with the calibration table |\n");
        text.Append("| `package.json` | every file with its SHA-256, the report and checks below |\n\n");

        text.Append("## Build the engine (on the Jetson)\n\n");
        text.Append("Set the power mode first (below), then:\n\n```bash\n");
        if (calibrated is null) text.Append("./build_engine.sh\n");
        else text.Append("./build_engine.sh              # explicit INT8 from model.onnx (default)\n./build_engine.sh calibrated   # implicit INT8 from model.float.onnx + calibration.cache\n");
        text.Append("```\n\nThe trtexec line:\n\n```bash\ntrtexec ").AppendJoin(" \\\n  ", TrtexecScript.Arguments(engine)).Append("\n```\n\n");
        if (calibrated is not null)
            text.Append("and for the calibrated engine:\n\n```bash\ntrtexec ").AppendJoin(" \\\n  ", TrtexecScript.Arguments(calibrated, $"{EngineSettings.CacheFolder}/{NativeCalibrationCache.FileName}")).Append("\n```\n\n");
        text.Append("- `--memPoolSize=workspace:").Append(engine.WorkspaceMiB.ToString(CultureInfo.InvariantCulture)).Append("` MiB: a quarter of the device's memory, which the GPU shares with the system.\n");
        text.Append("- `--timingCacheFile`: kernel timings kept for the next build (same device and TensorRT only).\n");
        if (engine.Fp16 && engine.Int8) text.Append("- `--int8 --fp16`: layers TensorRT keeps out of INT8 may run in FP16 rather than FP32.\n");
        text.Append(sparsity.IsTwoFour
            ? "- `--sparsity=enable`: every Conv/Gemm/MatMul weight with 4+ input channels is 2:4 sparse, so TensorRT may use the sparse Tensor Core kernels.\n"
            : string.Create(CultureInfo.InvariantCulture, $"- no `--sparsity=enable`: {sparsity.Sparse} of {sparsity.Layers} weight layers are 2:4 sparse (all must be).\n"));
        if (engine.Profiles.Count > 0)
            text.Append("- `--minShapes/--optShapes/--maxShapes`: the optimization profile; the engine takes any shape in the range and is tuned for opt.\n");
        if (calibrated is not null)
            text.Append("- The calibration cache's first line names TensorRT ").Append(NativeCalibrationCache.TensorRtVersion.ToString(3))
                .Append(" (JetPack 6.1/6.2). TensorRT rejects a cache written for another version, so on another TensorRT `build_engine.sh calibrated` writes `")
                .Append(EngineSettings.CacheFolder).Append("/calibration.local.cache` with this device's version and uses that.\n");
        text.Append('\n');

        AppendRun(text, engine, calibrated);
        text.Append(power.Markdown);

        text.Append("## TensorRT report\n\n");
        text.Append(ProviderReportText.Markdown(report, TensorRtOptions.FileName));
        ReadmeSections.AppendChecks(text, context);
        return text.ToString();
    }

    private static void AppendRun(StringBuilder text, EngineSettings engine, EngineSettings? calibrated)
    {
        text.Append("## Run with ONNX Runtime's TensorRT execution provider\n\n");
        text.Append("The EP builds (or loads from `").Append(EngineSettings.CacheFolder).Append("/`) its own engine on the first session; the options file holds the settings above. ");
        text.Append("Paths in it are relative to this folder: the snippets make them absolute. On Jetson, use an ONNX Runtime built with TensorRT for JetPack (the Jetson Zoo's onnxruntime-gpu wheels, or a source build with `--use_tensorrt`).\n\n");
        text.Append("Python:\n\n```python\nimport json, os\nimport onnxruntime as ort\n\n");
        text.Append("package = \"/path/to/this/package\"\n");
        text.Append("options = json.load(open(os.path.join(package, \"").Append(TensorRtOptions.FileName).Append("\")))\n");
        text.Append("for key in (").AppendJoin(", ", TensorRtOptions.PathKeys.Select(k => $"\"{k}\"")).Append("):\n    options[key] = os.path.join(package, options[key])\n");
        text.Append("session = ort.InferenceSession(os.path.join(package, \"").Append(engine.Model)
            .Append("\"), providers=[(\"TensorrtExecutionProvider\", options), \"CUDAExecutionProvider\", \"CPUExecutionProvider\"])\n```\n\n");
        text.Append("C# (Microsoft.ML.OnnxRuntime with the TensorRT EP):\n\n```csharp\nusing System.Text.Json;\nusing Microsoft.ML.OnnxRuntime;\n\n");
        text.Append("var package = \"/path/to/this/package\";\n");
        text.Append("var options = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(package, \"").Append(TensorRtOptions.FileName).Append("\")))!;\n");
        text.Append("foreach (var key in new[] { ").AppendJoin(", ", TensorRtOptions.PathKeys.Select(k => $"\"{k}\"")).Append(" }) options[key] = Path.Combine(package, options[key]);\n");
        text.Append("using var trt = new OrtTensorRTProviderOptions();\ntrt.UpdateOptions(options);\n");
        text.Append("using var sessionOptions = new SessionOptions();\nsessionOptions.AppendExecutionProvider_Tensorrt(trt);\nsessionOptions.AppendExecutionProvider_CUDA(0);\n");
        text.Append("using var session = new InferenceSession(Path.Combine(package, \"").Append(engine.Model).Append("\"), sessionOptions);\n```\n\n");
        if (calibrated is not null)
        {
            text.Append("For the calibrated engine load `").Append(calibrated.Model).Append("` with `").Append(TensorRtOptions.CalibratedFileName).Append("`: the EP reads `")
                .Append(OrtCalibrationTable.FileName).Append("` from `trt_engine_cache_path`. To use TensorRT's own cache instead set `trt_int8_calibration_table_name` to `")
                .Append(NativeCalibrationCache.FileName).Append("` and `trt_int8_use_native_calibration_table` to `1`. ");
            text.Append("Never give a calibration table with `model.onnx`: TensorRT refuses one on a model with Q/DQ nodes.\n\n");
        }
    }
}
