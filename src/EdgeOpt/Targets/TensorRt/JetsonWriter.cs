using System.Globalization;
using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using EdgeOpt.Targets.Internal;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>
/// Jetson package for TensorRT: <c>model.onnx</c> in a form TensorRT's parser takes (static shapes or an optimization
/// profile), the TensorRT report from onnx-tensorrt's operator table with ORT's partitioning, <c>build_engine.sh</c>
/// (trtexec), ORT TensorRT EP options, the power mode, and for INT8 both calibration caches with the float model they
/// apply to. Verified here with ONNX Runtime on the CPU; the engine itself can only be built on the device.
/// </summary>
internal sealed class JetsonWriter : ITargetWriter
{
    public const string ModelFile = "model.onnx";
    public const string FloatModelFile = "model.float.onnx";

    /// <summary>Fp32/fp16: model.onnx is the prepared model with its shapes fixed, so outputs must agree to rounding.</summary>
    public const double RelativeTolerance = 1e-4;

    /// <summary>INT8: ORT fuses the TensorRT form's Q/DQ pairs differently from the original's, so cosine is compared.</summary>
    public const double QuantizedMinCosine = 0.999;

    /// <summary>The float model approximates the INT8 one by the quantization error only.</summary>
    public const double FloatMinCosine = 0.99;

    public string? RefusePrecision(PackagePrecision precision) => precision == PackagePrecision.Int8Dynamic
        ? "the TensorRT execution provider lacks dynamic quantization (DynamicQuantizeLinear / MatMulInteger / ConvInteger)"
        : null;

    public void Write(PackageContext context, string folder)
    {
        var options = context.Options;
        ShapeProfiles.RequireRanges(context.Model, options.ShapeRanges);
        var int8 = options.Precision == PackagePrecision.Int8;
        if (int8 && context.Plan is null) ThrowHelper.InvalidOperation("an INT8 Jetson package needs the quantization plan");
        var profiles = ShapeProfiles.Dynamic(context.Model, options.ShapeRanges);
        var workspace = EngineSettings.Workspace(context.Device);

        context.Progress?.Report("writing the TensorRT model");
        using var shipped = context.Model.Clone();
        var rewritten = int8 ? QdqForms.ForTensorRt(shipped) : 0;
        ShapeProfiles.FixStatic(shipped, options.ShapeRanges);
        InferShapes(shipped);
        var modelPath = Path.Combine(folder, ModelFile);
        shipped.Save(modelPath);
        context.Cancellation.ThrowIfCancellationRequested();
        context.Progress?.Report("verifying model.onnx");
        CheckOutputs(context, context.ModelPath, modelPath, ModelFile, int8 ? null : RelativeTolerance, QuantizedMinCosine, "the prepared model", mustPass: true);

        var sparsity = SparsityDetector.Detect(shipped);
        var engine = new EngineSettings(ModelFile, Fp16: options.Precision != PackagePrecision.Fp32, Int8: int8, Calibrated: false,
            Sparsity: sparsity.IsTwoFour, workspace, profiles);
        EngineSettings? calibrated = null;
        IReadOnlyDictionary<string, float> ranges = new Dictionary<string, float>();
        if (int8)
        {
            calibrated = engine with { Model = FloatModelFile, Calibrated = true };
            ranges = WriteCalibration(context, folder, shipped);
        }

        var check = BackendSupport.Check(shipped, AccelerationBackend.TensorRt);
        var engineOptions = TensorRtOptions.For(engine);
        var report = ProviderPartitioning.Report("TensorRT", shipped, check, engineOptions, Advice(check, profiles.Count > 0));
        context.Providers.Add(report);

        File.WriteAllText(Path.Combine(folder, TrtexecScript.FileName), TrtexecScript.Write(engine, calibrated));
        WriteOptions(context, folder, TensorRtOptions.FileName, engineOptions);
        if (calibrated is not null) WriteOptions(context, folder, TensorRtOptions.CalibratedFileName, TensorRtOptions.For(calibrated));

        var precision = options.Precision switch { PackagePrecision.Int8 => Precision.Int8, PackagePrecision.Fp16 => Precision.Fp16, _ => Precision.Fp32 };
        var power = PowerModeAdvice.For(context.Device, shipped, precision, context.VerificationDims);

        AddDeviceOnly(context, int8);
        AddNotes(context, rewritten, sparsity, workspace, profiles, ranges.Count, power);
        File.WriteAllText(Path.Combine(folder, "README.md"), JetsonReadme.Write(context, engine, calibrated, report, power, sparsity));
    }

    private static IReadOnlyList<string> Advice(CompatibilityReport check, bool hasProfiles)
    {
        var advice = new List<string>();
        if (check.Nodes.Any(n => !n.Supported))
            advice.Add("Nodes TensorRT cannot take run on the CUDA execution provider when it is registered after TensorRT (the README's snippets do), " +
                       "else on the CPU; every partition boundary copies tensors between the engines and ORT, so fewer, larger TensorRT partitions run faster.");
        if (ProviderPartitioning.HasDynamicShapeFailures(check) && !hasProfiles)
            advice.Add("Nodes with dynamic shapes need an optimization profile: package again with --shape-range NAME=MIN:OPT:MAX for each dynamic input.");
        advice.Add("trtexec's build log is the authority: it names any node onnx-tensorrt rejects (the operator table above is its published support, not a parse).");
        return advice;
    }

    // Both caches from the plan's ranges, the float model they apply to, and the checks that they read back.
    private static Dictionary<string, float> WriteCalibration(PackageContext context, string folder, Model shipped)
    {
        context.Progress?.Report("writing the INT8 calibration caches");
        var ranges = CalibrationRanges.From(context.Plan!);
        var cacheFolder = Path.Combine(folder, EngineSettings.CacheFolder);
        Directory.CreateDirectory(cacheFolder);
        var nativePath = Path.Combine(cacheFolder, NativeCalibrationCache.FileName);
        var tablePath = Path.Combine(cacheFolder, OrtCalibrationTable.FileName);
        File.WriteAllText(nativePath, NativeCalibrationCache.Write(ranges));
        File.WriteAllBytes(tablePath, OrtCalibrationTable.Write(ranges));

        var (header, native) = NativeCalibrationCache.Read(File.ReadAllText(nativePath));
        var table = OrtCalibrationTable.Read(File.ReadAllBytes(tablePath));
        AddRangeCheck(context, $"{EngineSettings.CacheFolder}/{NativeCalibrationCache.FileName} reads back to the plan's activation ranges", ranges, native,
            $"header {header}; scale = range / 127 as 8 hex digits");
        var sorted = table.Select(p => p.Key).SequenceEqual(table.Select(p => p.Key).Order(Utf8Order.Instance));
        AddRangeCheck(context, $"{EngineSettings.CacheFolder}/{OrtCalibrationTable.FileName} (FlatBuffers TrtTable) reads back to the plan's activation ranges", ranges,
            table.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), sorted ? "keys sorted for the key lookup" : "keys NOT sorted", extraPass: sorted);

        context.Progress?.Report("writing the float model for the calibration caches");
        using var floatModel = shipped.Clone();
        QdqForms.WithoutQdq(floatModel);
        var floatPath = Path.Combine(folder, FloatModelFile);
        floatModel.Save(floatPath);
        var tensors = floatModel.Graph.Values().Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var missing = ranges.Keys.Where(k => !tensors.Contains(k)).ToList();
        var leftover = floatModel.Graph.AllNodes().Count(n => n.OpType is "QuantizeLinear" or "DequantizeLinear");
        context.Checks.Add(new PackageCheck($"every calibration tensor is a tensor of {FloatModelFile}, which has no Q/DQ nodes", missing.Count == 0 && leftover == 0,
            missing.Count == 0 && leftover == 0
                ? string.Create(CultureInfo.InvariantCulture, $"{ranges.Count} tensors found")
                : string.Create(CultureInfo.InvariantCulture, $"{missing.Count} missing{(missing.Count > 0 ? $" (first: '{missing[0]}')" : "")}, {leftover} Q/DQ nodes left")));
        CheckOutputs(context, Path.Combine(folder, ModelFile), floatPath, FloatModelFile, null, FloatMinCosine, ModelFile, mustPass: false);
        return new Dictionary<string, float>(ranges, StringComparer.Ordinal);
    }

    private static void AddRangeCheck(PackageContext context, string what, IReadOnlyDictionary<string, float> expected, IReadOnlyDictionary<string, float> read,
        string detail, bool extraPass = true)
    {
        var worst = 0.0;
        var missing = 0;
        foreach (var (name, range) in expected)
        {
            if (!read.TryGetValue(name, out var back)) { missing++; continue; }
            worst = Math.Max(worst, Math.Abs(back - range) / range);
        }
        // The native cache stores range / 127 as a float: one rounding each way.
        var passed = extraPass && missing == 0 && read.Count == expected.Count && worst <= 1e-6;
        context.Checks.Add(new PackageCheck(what, passed,
            string.Create(CultureInfo.InvariantCulture, $"{read.Count} tensors ({expected.Count} in the plan, {missing} missing), max relative difference {worst:0.##e0}; {detail}")));
    }

    private static void CheckOutputs(PackageContext context, string referencePath, string candidatePath, string name, double? relativeTolerance, double minCosine,
        string referenceName, bool mustPass)
    {
        var report = ModelEquivalence.CompareFiles(referencePath, candidatePath, context.VerificationInputs);
        var cosine = report.Outputs.Count == 0 ? 1 : report.Outputs.Min(o => o.Cosine);
        var passed = relativeTolerance is { } tolerance ? report.IsWithin(tolerance) : cosine >= minCosine;
        var rule = relativeTolerance is { } t
            ? string.Create(CultureInfo.InvariantCulture, $"max relative error <= {t:0e0}")
            : string.Create(CultureInfo.InvariantCulture, $"cosine >= {minCosine}");
        context.Checks.Add(new PackageCheck($"{name} loads in ONNX Runtime {context.OnnxRuntimeVersion} (CPU) and reproduces {referenceName}'s outputs", passed,
            string.Create(CultureInfo.InvariantCulture,
                $"{report.Samples} generated input sets: max abs error {report.MaxAbsError:0.###e0}, max relative error {report.MaxRelativeError:0.###e0}, min cosine {cosine:0.######} (tolerance: {rule})")));
        if (mustPass && !passed)
            throw new EdgeOptException(string.Create(CultureInfo.InvariantCulture,
                $"{name} does not reproduce {referenceName}'s outputs (max relative error {report.MaxRelativeError:0.###e0}, cosine {cosine:0.######}); the package was not written"));
    }

    private static void WriteOptions(PackageContext context, string folder, string file, IReadOnlyDictionary<string, string> options)
    {
        var path = Path.Combine(folder, file);
        File.WriteAllText(path, TensorRtOptions.Write(options));
        var back = TensorRtOptions.Read(File.ReadAllText(path));
        var same = back.Count == options.Count && options.All(o => back.TryGetValue(o.Key, out var v) && v == o.Value);
        context.Checks.Add(new PackageCheck($"{file} parses back to the TensorRT EP options chosen", same,
            string.Create(CultureInfo.InvariantCulture, $"{back.Count} options: {string.Join(", ", options.Keys)}")));
    }

    private static void InferShapes(Model model)
    {
        // value_info for every tensor: ORT's TensorRT EP needs the shapes of each partition's inputs.
        try
        {
            ShapeInference.Infer(model);
        }
        catch (EdgeOptException)
        {
            // An operator our inference does not know keeps what the model declared; ORT infers the rest at load.
        }
    }

    private static void AddDeviceOnly(PackageContext context, bool int8)
    {
        context.DeviceOnly.Add("building the TensorRT engine: ./build_engine.sh runs trtexec on the Jetson (TensorRT is not on the machine that made the package, and an engine is specific to its GPU and TensorRT version)");
        context.DeviceOnly.Add("that onnx-tensorrt parses every node its operator table allows (trtexec's log names any it rejects; ORT's TensorRT EP then hands them to CUDA)");
        context.DeviceOnly.Add("TensorRT latency and throughput (trtexec prints them after the build; `trtexec --loadEngine=trt_cache/model.engine` measures again)");
        if (int8) context.DeviceOnly.Add("INT8 accuracy of the engine on real data: TensorRT chooses each layer's precision, so compare its outputs with the FP32 model on labelled samples");
        else if (context.Options.Precision == PackagePrecision.Fp16) context.DeviceOnly.Add("FP16 accuracy of the engine on real data (TensorRT runs layers in half precision where faster)");
        context.DeviceOnly.Add("power draw, temperature and throttling in the chosen nvpmodel mode (`sudo tegrastats` while it runs)");
    }

    private static void AddNotes(PackageContext context, int rewritten, SparsityDetector.Result sparsity, int workspace, IReadOnlyList<ShapeRange> profiles,
        int ranges, PowerModeAdvice.Advice power)
    {
        if (context.Options.Precision == PackagePrecision.Int8)
        {
            context.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"INT8, two ways: model.onnx carries the Q/DQ scales (explicit quantization; {rewritten} weight and bias constants rewritten to the float-plus-Q/DQ form TensorRT's parser takes), " +
                $"model.float.onnx with the calibration caches of {ranges} activation ranges (implicit quantization; TensorRT refuses a calibration table on a model with Q/DQ nodes)"));
            context.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"calibration.cache names TensorRT {NativeCalibrationCache.TensorRtVersion} ({NativeCalibrationCache.Header}, JetPack 6.1/6.2); build_engine.sh rewrites the header for another TensorRT"));
        }
        context.Notes.Add(sparsity.IsTwoFour
            ? string.Create(CultureInfo.InvariantCulture, $"2:4 structured sparsity in all {sparsity.Layers} Conv/Gemm/MatMul weights with 4+ input channels: --sparsity=enable and trt_sparsity_enable=1")
            : string.Create(CultureInfo.InvariantCulture, $"weights are not 2:4 sparse ({sparsity.Sparse} of {sparsity.Layers} layers): sparsity left off"));
        context.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"TensorRT workspace {workspace} MiB (a quarter of the device's memory, which the GPU shares with the system)"));
        context.Notes.Add(profiles.Count > 0
            ? $"optimization profile for {string.Join(", ", profiles.Select(p => p.ToString()))}"
            : "static input shapes: one engine, no optimization profile");
        context.Notes.Add(power.Note);
    }
}
