using System.Diagnostics;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Quantization.Internal;
using EdgeOpt.Runtime;

namespace EdgeOpt.Quantization;

/// <summary>
/// One entry point for every quantization EdgeOpt does, with the switches of <c>edgeopt quantize</c>:
/// <code>
/// var quantizer = new Quantizer(new QuantizerOptions { Type = QuantizationType.Int8, Method = CalibrationMethod.Entropy, PerChannel = true });
/// using var result = quantizer.Quantize(model, calibrationData);
/// result.Model.Save("model.int8.onnx");
/// </code>
/// The input model is never changed. The work is done on a copy: optimized first (BatchNormalization folding etc.),
/// upgraded to the opset the format needs (QDQ 10, per-channel QDQ 13), then quantized.
/// </summary>
public sealed class Quantizer
{
    public Quantizer(QuantizerOptions? options = null) => Options = options ?? new QuantizerOptions();

    public QuantizerOptions Options { get; }

    /// <summary>The options the QDQ planner gets from <see cref="Options"/>.</summary>
    public QdqOptions QdqOptions => new()
    {
        PerChannel = Options.PerChannel,
        ActivationType = Options.ActivationType,
        SymmetricActivations = Options.SymmetricActivations,
        ExcludedNodes = Options.ExcludedNodes,
        ExcludedOpTypes = Options.ExcludedOpTypes,
        CalibrationMethod = Options.Method.ToString().ToLowerInvariant(),
    };

    /// <summary>Quantizes a copy of <paramref name="model"/>; Int8 needs <paramref name="calibration"/> data unless a plan is given.</summary>
    /// <exception cref="InvalidOptionsException">
    /// The options cannot work, alone or with the calibration data given or missing (<see cref="QuantizerOptions.Validate"/>).
    /// </exception>
    /// <exception cref="UsageException">Unknown excluded node names, nothing quantizable, ill-fitting calibration data.</exception>
    public QuantizationResult Quantize(Model model, ISampleSource? calibration = null, IProgress<QuantizationProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ThrowHelper.IfInvalid(Options.Validate(new QuantizationWorkflow { CalibrationData = calibration is not null }));
        // Names are checked against the input: optimization may fuse an excluded node away, which is not the user's typo.
        NodeSelection.Excluded(model.Graph, Options.ExcludedNodes, outputNamesOfUnnamed: Options.Type == QuantizationType.Int8);

        var bytesBefore = model.CalculateSerializedSize();
        var warnings = new List<string>();
        var clock = Stopwatch.StartNew();
        var work = model.Clone();
        try
        {
            progress?.Report(new QuantizationProgress("optimizing", 0, 0));
            if (Options.Optimize) ModelOptimizer.Optimize(work, new OptimizationOptions { Level = PassLevel.Extended }, cancellation);
            var excluded = SurvivingExclusions(work, warnings);
            if (Options.Type == QuantizationType.Int8) UpgradeForQdq(work);
            var optimizeTime = clock.Elapsed;

            var result = Options.Type switch
            {
                QuantizationType.Int8 => QuantizeInt8(work, calibration, excluded, warnings, progress, cancellation),
                QuantizationType.Int8Dynamic => QuantizeDynamic(work, excluded),
                QuantizationType.Float16 => ConvertFloat16(work, excluded),
                _ => QuantizeInt4(work, excluded),
            };
            result.OptimizeTime = optimizeTime;
            result.BytesBefore = bytesBefore;
            result.BytesAfter = result.Model.CalculateSerializedSize();
            result.Warnings = warnings;
            result.Options = Options;
            return result;
        }
        catch
        {
            work.Dispose();
            throw;
        }
    }

    /// <summary>The excluded names still present after optimization; the others are reported, not fatal.</summary>
    private List<string> SurvivingExclusions(Model work, List<string> warnings)
    {
        var present = work.Graph.AllNodes().Select(n => n.Name.Length > 0 ? n.Name : n.Outputs.FirstOrDefault()?.Name ?? "").ToHashSet(StringComparer.Ordinal);
        var kept = new List<string>();
        foreach (var name in Options.ExcludedNodes)
        {
            if (present.Contains(name)) kept.Add(name);
            else warnings.Add($"excluded node '{name}' was removed by graph optimization (fused into a neighbour); nothing to exclude");
        }
        return kept;
    }

    private void UpgradeForQdq(Model work)
    {
        var needed = Options.PerChannel ? 13 : 10;
        if ((work.GetOpset("") ?? 0) < needed) OpsetConverter.Convert(work, needed);
    }

    private QuantizationResult QuantizeInt8(Model work, ISampleSource? calibration, List<string> excluded, List<string> warnings,
        IProgress<QuantizationProgress>? progress, CancellationToken cancellation)
    {
        var qdqOptions = QdqOptions with { ExcludedNodes = excluded };
        var inBodies = StaticControlFlow.ComputeInBodies(work);
        StaticControlFlow.CheckReachable(work, inBodies);
        QdqQuantizer.QuantizableNodes(work, qdqOptions); // fails fast, before a long calibration
        CalibrationResult? calibrated = null;
        var plan = Options.Plan;
        var clock = new Stopwatch();
        calibration?.CheckFits(work);
        var count = calibration is null ? 0 : Options.Samples is { } n ? Math.Min(n, calibration.Count) : calibration.Count;
        var passes = (plan is null ? (Options.Method is CalibrationMethod.MinMax or CalibrationMethod.Auto ? 1 : 2) : 0) + (Options.BiasCorrection ? 1 : 0);
        var done = 0;

        IReadOnlyList<string> equalized = [];
        if (Options.Equalize)
        {
            progress?.Report(new QuantizationProgress("equalizing", 0, 0));
            equalized = EqualizeChecked(work, calibration!.Samples(Math.Min(count, EqualizationCheckSamples)), CrossLayerEqualization.Apply);
        }

        if (plan is null)
        {
            // Options.Validate saw to it that int8 without a plan has calibration data.
            if (!calibration!.IsRepresentative)
                warnings.Add($"calibration data is {calibration.Description}: NOT representative of real inputs, so ranges (and accuracy) will be off; use real samples");
            calibrated = Reusable(work) ?? Calibrator.Calibrate(work, Counted(calibration.Samples(count)), new CalibrationOptions
            {
                Method = Options.Method,
                Percentile = Options.Percentile,
                ActivationType = Options.ActivationType,
                SymmetricActivations = Options.SymmetricActivations,
            });

            clock.Start();
            plan = QdqQuantizer.CreatePlan(work, calibrated.Ranges,
                qdqOptions with { CalibrationSamples = calibrated.Samples, RangeMethods = calibrated.RangeMethods });
        }
        clock.Start();
        var quantized = work.Clone();
        try
        {
            IReadOnlyList<string> corrected = [];
            if (Options.BiasCorrection)
            {
                clock.Stop();
                corrected = Calibration.BiasCorrection.Apply(work, quantized, plan, Counted(calibration!.Samples(count))).Select(c => c.Node).ToList();
                clock.Start();
            }
            progress?.Report(new QuantizationProgress("quantizing", 0, 0));
            var report = QdqQuantizer.Apply(quantized, plan);
            var embeddings = QuantizeEmbeddings(quantized, bits: 8, excluded);
            // Recurrent layers have no QDQ form ORT fuses; LSTMs get ORT's dynamically quantized kernel instead.
            var recurrent = StaticControlFlow.QuantizeRecurrent(quantized, Options.PerChannel, excluded);
            clock.Stop();
            List<ExcludedNode> excludedNodes = [.. plan.ExcludedNodes, .. recurrent.LeftInFloat, .. StaticControlFlow.LeftInBodies(quantized)];
            return new QuantizationResult(quantized, work, QuantizationType.Int8)
            {
                Plan = plan,
                Calibration = calibrated,
                QdqReport = report,
                ExcludedNodes = excludedNodes,
                EmbeddingReport = embeddings,
                QuantizedNodes = CountQuantizedCompute(work, plan) + embeddings.Quantized.Count + recurrent.Quantized.Count,
                DynamicReport = recurrent.Quantized.Count > 0 ? recurrent : null,
                QuantizeTime = clock.Elapsed,
                EqualizedPairs = equalized,
                BiasCorrectedNodes = corrected,
            };
        }
        catch
        {
            quantized.Dispose();
            throw;
        }

        IEnumerable<IReadOnlyDictionary<string, Tensor>> Counted(IEnumerable<IReadOnlyDictionary<string, Tensor>> samples)
        {
            foreach (var sample in samples)
            {
                cancellation.ThrowIfCancellationRequested();
                progress?.Report(new QuantizationProgress("calibrating", done, count * passes));
                yield return sample;
                done++;
            }
        }
    }

    /// <summary><see cref="QuantizerOptions.ReusedCalibration"/> when it has a range for every tensor calibrating <paramref name="work"/> would measure.</summary>
    private CalibrationResult? Reusable(Model work)
    {
        if (Options.ReusedCalibration is not { } reused || reused.Method != Options.Method || Options.Equalize) return null;
        var inputs = work.Graph.Inputs.Where(v => !v.IsInitializer).ToList();
        return ActivationRunner.DefaultTensors(work, inputs).All(reused.Ranges.ContainsKey) ? reused : null;
    }

    // Equalization only rescales weights, so the float outputs must agree up to rounding; anything more is a bug.
    private const double EqualizationTolerance = 1e-3;
    private const int EqualizationCheckSamples = 4;

    /// <summary>
    /// Equalizes <paramref name="work"/> in place, once, then checks with ONNX Runtime that its float outputs still
    /// match a copy taken before, so the model verified is the very one quantization continues from. A failed check
    /// throws and the caller discards <paramref name="work"/>.
    /// </summary>
    /// <param name="work">The model to equalize, in place.</param>
    /// <param name="inputs">The samples both models run on, drawn only when a pair was equalized.</param>
    /// <param name="equalize">The equalization (<see cref="CrossLayerEqualization.Apply"/>; a seam for tests).</param>
    internal static IReadOnlyList<string> EqualizeChecked(Model work, IEnumerable<IReadOnlyDictionary<string, Tensor>> inputs,
        Func<Model, IReadOnlyList<string>> equalize)
    {
        using var original = work.Clone(); // shares the weight payloads; equalization writes new tensors
        var pairs = equalize(work);
        if (pairs.Count == 0) return pairs;
        var report = Runtime.ModelEquivalence.Compare(original, work, inputs.ToList());
        if (!report.IsWithin(EqualizationTolerance))
            ThrowHelper.InvalidOperation($"cross-layer equalization changed the float outputs by {report.MaxRelativeError:G3} of their range (tolerance {EqualizationTolerance}); not applied");
        return pairs;
    }

    /// <summary>Compute nodes of <paramref name="work"/> whose output or weight the plan quantizes.</summary>
    private static int CountQuantizedCompute(Model work, QuantizationPlan plan)
    {
        var excluded = plan.ExcludedNodes.Select(e => e.Node).ToHashSet(StringComparer.Ordinal);
        var compute = Qdq.QdqOperators.Compute;
        return work.Graph.Nodes.Count(n => n.IsOnnxDomain && compute.Contains(n.OpType) && !excluded.Contains(Qdq.QdqOperators.Key(n))
            && n.Inputs.Any(i => i is not null && plan.Find(i.Name) is { IsQuantized: true }));
    }

    private QuantizationResult QuantizeDynamic(Model work, List<string> excluded) =>
        QuantizeWeights(work, QuantizationType.Int8Dynamic,
            model => (Embeddings: QuantizeEmbeddings(model, bits: 8, excluded),
                Weights: DynamicQuantizer.Quantize(model, new DynamicQuantizationOptions { PerChannel = Options.PerChannel, ExcludedNodes = excluded })),
            report => (report.Weights.Quantized.Count + report.Embeddings.Quantized.Count, [.. report.Weights.LeftInFloat, .. report.Embeddings.LeftInFloat]),
            (result, report) => (result.DynamicReport, result.EmbeddingReport) = (report.Weights, report.Embeddings));

    /// <summary>
    /// Embedding tables (Gathers over constant float matrices) to <paramref name="bits"/> bits, in blocks of 128 values
    /// for 8 bits and of <see cref="QuantizerOptions.BlockSize"/> for 4; none when <c>Gather</c> is an excluded operator.
    /// </summary>
    private EmbeddingQuantizationReport QuantizeEmbeddings(Model model, int bits, List<string> excluded)
    {
        if (Options.ExcludedOpTypes.Contains("Gather", StringComparer.Ordinal)) return EmbeddingQuantizationReport.Empty;
        var gathers = model.Graph.Nodes.Where(n => n.OpType == "Gather").Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        return EmbeddingQuantizer.Quantize(model, new EmbeddingQuantizationOptions
        {
            Bits = bits,
            BlockSize = bits == 8 ? 128 : Options.BlockSize,
            Symmetric = bits == 8 || Options.SymmetricWeights,
            ExcludedNodes = [.. excluded.Where(gathers.Contains)],
        });
    }

    private QuantizationResult ConvertFloat16(Model work, List<string> excluded)
    {
        var clock = Stopwatch.StartNew();
        var converted = work.Clone();
        var report = Float16Converter.Convert(converted, new Float16Options
        {
            KeepIoTypes = Options.KeepIoTypes,
            OpBlockList = Float16Options.DefaultOpBlockList.Concat(Options.ExcludedOpTypes).ToHashSet(StringComparer.Ordinal),
            NodeBlockList = excluded.ToHashSet(StringComparer.Ordinal),
        });
        return new QuantizationResult(converted, work, QuantizationType.Float16)
        {
            Float16Report = report,
            QuantizedNodes = work.Graph.AllNodes().Count() - report.BlockedNodes.Count,
            ExcludedNodes = report.LeftInFloat,
            QuantizeTime = clock.Elapsed,
        };
    }

    private QuantizationResult QuantizeInt4(Model work, List<string> excluded) =>
        QuantizeWeights(work, QuantizationType.Int4,
            model => (Embeddings: QuantizeEmbeddings(model, bits: 4, excluded),
                Weights: Int4WeightQuantizer.Quantize(model, new Int4QuantizationOptions
                {
                    BlockSize = Options.BlockSize,
                    Symmetric = Options.SymmetricWeights,
                    ExcludedNodes = excluded,
                })),
            report => (report.Weights.Quantized.Count + report.Embeddings.Quantized.Count, [.. report.Weights.LeftInFloat, .. report.Embeddings.LeftInFloat]),
            (result, report) => (result.Int4Report, result.EmbeddingReport) = (report.Weights, report.Embeddings));

    /// <summary>
    /// Runs a weight-only quantizer on a copy of <paramref name="work"/>. Replacing nothing is the quantizer's usage
    /// error (<see cref="DynamicQuantizer.Quantize"/>, <see cref="Int4WeightQuantizer.Quantize"/>), raised before any edit.
    /// </summary>
    private static QuantizationResult QuantizeWeights<TReport>(Model work, QuantizationType type,
        Func<Model, TReport> quantize, Func<TReport, (int Quantized, IReadOnlyList<ExcludedNode> LeftInFloat)> summarize,
        Action<QuantizationResult, TReport> attach)
    {
        var clock = Stopwatch.StartNew();
        var quantized = work.Clone();
        try
        {
            var report = quantize(quantized);
            var (count, leftInFloat) = summarize(report);
            var result = new QuantizationResult(quantized, work, type)
            {
                QuantizedNodes = count,
                ExcludedNodes = leftInFloat,
                QuantizeTime = clock.Elapsed,
            };
            attach(result, report);
            return result;
        }
        catch
        {
            quantized.Dispose();
            throw;
        }
    }
}
