using System.Globalization;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using EdgeOpt.Targets.Internal;

namespace EdgeOpt.Targets.Mobile;

/// <summary>
/// The part Android and iOS packages share, following ONNX Runtime Mobile's conventions: <c>model.ort</c> (optimization
/// style Fixed, for the CPU provider) and <c>model.with_runtime_opt.ort</c> (style Runtime, for NNAPI / Core ML), both made
/// by ONNX Runtime for Arm (<c>session.qdqisint8allowed=1</c>); the reduced-build operator configs from what those models
/// run; and the checks that each .ort file reproduces the ONNX model's outputs.
/// </summary>
internal static class OrtMobileModels
{
    public const string FixedModel = "model.ort";
    public const string RuntimeModel = "model.with_runtime_opt.ort";

    /// <summary>Fp32 .ort outputs against the ONNX model: largest error relative to the reference's largest magnitude.</summary>
    public const double Fp32RelativeTolerance = 1e-4;

    /// <summary>Quantized models: ORT's integer kernels round where the float QDQ reference does not, so cosine is compared.</summary>
    public const double QuantizedMinCosine = 0.999;

    /// <summary>
    /// Writes both .ort files and both configs into <paramref name="folder"/>, records the checks, and returns the graph a
    /// compiling provider (NNAPI, Core ML) is offered: the basic-level graph the Runtime-style model holds. Caller disposes it.
    /// </summary>
    public static Model Write(PackageContext context, string folder)
    {
        context.Progress?.Report("converting to ORT format");
        OrtFormatConverter.Convert(context.ModelPath, Path.Combine(folder, FixedModel), OrtOptimizationStyle.Fixed, arm: true);
        OrtFormatConverter.Convert(context.ModelPath, Path.Combine(folder, RuntimeModel), OrtOptimizationStyle.Runtime, arm: true);
        context.Cancellation.ThrowIfCancellationRequested();

        var fixedOnnx = Path.Combine(context.Scratch, "fixed.optimized.onnx");
        var basicOnnx = Path.Combine(context.Scratch, "runtime.basic.onnx");
        var appliedOnnx = Path.Combine(context.Scratch, "runtime.applied.onnx");
        OrtFormatConverter.SaveOptimizedOnnx(context.ModelPath, fixedOnnx, OrtOptimizationStyle.Fixed, arm: true, applyRuntimeOptimizations: false);
        OrtFormatConverter.SaveOptimizedOnnx(context.ModelPath, basicOnnx, OrtOptimizationStyle.Runtime, arm: true, applyRuntimeOptimizations: false);
        OrtFormatConverter.SaveOptimizedOnnx(context.ModelPath, appliedOnnx, OrtOptimizationStyle.Runtime, arm: true, applyRuntimeOptimizations: true);

        var config = new RequiredOperatorsConfig();
        using (var optimized = LoadTyped(fixedOnnx)) config.Add(FixedModel, optimized);
        // The Runtime model needs the kernels of its stored graph and of every optimization it may replay.
        using (var applied = LoadTyped(appliedOnnx)) config.Add(RuntimeModel, applied);
        var basic = LoadTyped(basicOnnx);
        try
        {
            config.Add(RuntimeModel, basic);
            File.WriteAllText(Path.Combine(folder, RequiredOperatorsConfig.FileName), config.Write(withTypes: false));
            File.WriteAllText(Path.Combine(folder, RequiredOperatorsConfig.WithTypesFileName), config.Write(withTypes: true));
            CheckConfigs(context, folder, config);
            context.Progress?.Report("verifying the ORT format models");
            foreach (var file in new[] { FixedModel, RuntimeModel }) CheckOutputs(context, Path.Combine(folder, file), file);
            return basic;
        }
        catch
        {
            basic.Dispose();
            throw;
        }
    }

    private static Model LoadTyped(string path)
    {
        var model = Model.Load(path);
        // ORT writes value_info for what it inferred; our inference fills any gap so every tracked input has a type.
        try
        {
            ShapeInference.Infer(model);
        }
        catch (EdgeOptException)
        {
            // A contrib op our inference does not know leaves those types as ORT wrote them.
        }
        return model;
    }

    private static void CheckConfigs(PackageContext context, string folder, RequiredOperatorsConfig config)
    {
        var expected = config.Operators.SelectMany(d => d.Value.SelectMany(o => o.Value.Select(op => $"{d.Key};{o.Key};{op}"))).ToHashSet(StringComparer.Ordinal);
        foreach (var name in new[] { RequiredOperatorsConfig.FileName, RequiredOperatorsConfig.WithTypesFileName })
        {
            var parsed = RequiredOperatorsConfig.Parse(File.ReadAllText(Path.Combine(folder, name)));
            var read = parsed.SelectMany(d => d.Value.SelectMany(o => o.Value.Select(op => $"{d.Key};{o.Key};{op}"))).ToHashSet(StringComparer.Ordinal);
            var same = read.SetEquals(expected);
            context.Checks.Add(new PackageCheck($"{name} parses back to the operators of {FixedModel} and {RuntimeModel}", same,
                string.Create(CultureInfo.InvariantCulture, $"{read.Count} operators in {parsed.Count} domains{(same ? "" : $"; expected {expected.Count}")}")));
        }
    }

    private static void CheckOutputs(PackageContext context, string ortPath, string name)
    {
        EquivalenceReport report;
        try
        {
            report = ModelEquivalence.CompareFiles(context.ModelPath, ortPath, context.VerificationInputs);
        }
        catch (EdgeOptException e)
        {
            throw new UsageException($"{name} could not be verified on {context.VerificationSource}: {e.Message} " +
                                     "(give real inputs with --data, or the run-time shapes with --shape-range NAME=SHAPE)", e);
        }
        var quantized = context.Options.Precision is PackagePrecision.Int8 or PackagePrecision.Int8Dynamic;
        var cosine = report.Outputs.Count == 0 ? 1 : report.Outputs.Min(o => o.Cosine);
        var passed = quantized ? cosine >= QuantizedMinCosine : report.IsWithin(Fp32RelativeTolerance);
        var tolerance = quantized
            ? string.Create(CultureInfo.InvariantCulture, $"cosine >= {QuantizedMinCosine}")
            : string.Create(CultureInfo.InvariantCulture, $"max relative error <= {Fp32RelativeTolerance:0e0}");
        context.Checks.Add(new PackageCheck(
            $"{name} loads in ONNX Runtime {context.OnnxRuntimeVersion} and reproduces model.onnx's outputs", passed,
            string.Create(CultureInfo.InvariantCulture,
                $"{context.VerificationSource}: max abs error {report.MaxAbsError:0.###e0}, max relative error {report.MaxRelativeError:0.###e0}, min cosine {cosine:0.######} (tolerance: {tolerance})")));
        if (!passed)
            throw new EdgeOptException($"{name} does not reproduce the model's outputs (max relative error {report.MaxRelativeError:0.###e0}, cosine {cosine:0.######}); the package was not written");
    }
}
