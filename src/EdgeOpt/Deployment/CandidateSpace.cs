using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Runtime;

namespace EdgeOpt.Deployment;

/// <summary>
/// The deploy search's candidates for one model, device and config, each with a cheap prediction of its size and target
/// memory (to prune what is already known to violate a constraint) and of its target latency (to evaluate the most
/// promising first). Which precisions apply:
/// <list type="bullet">
/// <item>fp32 always (the baseline; also at ORT's basic graph optimization level, to show what the level buys);</item>
/// <item>fp16 and int8 dynamic when the model has float weights (Conv/Gemm/MatMul for int8 dynamic);</item>
/// <item>int8 static only with data: calibrating on random inputs gives ranges real inputs never see, so without data it is left out;</item>
/// <item>int4 weight-only only when MatMul weights exist (MatMulNBits packs MatMul B matrices only);</item>
/// <item>mixed (the accuracy search) only with an accuracy constraint and labels: its sensitivity pass ranks layers by accuracy.</item>
/// </list>
/// A fixed <see cref="OptimizationConfig.Quantization"/> keeps only its precision (plus the fp32 baseline, measured as the
/// reference but not eligible).
/// </summary>
internal static class CandidateSpace
{
    /// <summary>Pruning allows a prediction this much slack before calling a constraint violated.</summary>
    public const double PredictionSlack = 0.10;

    /// <summary>
    /// One candidate with what is predicted about it before evaluating: its size, target memory and latency (null when
    /// the estimator cannot tell), and <c>PruneReason</c>, why it is known to violate a constraint (null: evaluate it).
    /// </summary>
    public sealed record Planned(CandidateSpec Spec, long PredictedSizeBytes, long? PredictedMemoryBytes, double? PredictedLatencyMs, string? PruneReason);

    /// <summary>What the space was built from, measured once.</summary>
    public sealed record ModelFacts(long FileBytes, long FloatWeightBytes, long QuantizableWeightBytes, long MatMulWeightBytes)
    {
        /// <summary>The weights of <paramref name="model"/> by kind (float initializers; those Conv/Gemm/MatMul/Gather consume; MatMul B matrices).</summary>
        public static ModelFacts Of(Model model, long fileBytes)
        {
            long floatBytes = 0, quantizable = 0, matmul = 0;
            var seen = new HashSet<Value>(ReferenceEqualityComparer.Instance);
            foreach (var value in model.Graph.Initializers)
                if (value.Initializer is { DataType: DataType.Float } t) floatBytes += t.ByteLength;
            foreach (var node in model.Graph.Nodes)
            {
                var weightIndex = node.OpType switch { "Conv" or "Gemm" or "MatMul" or "ConvTranspose" => 1, "Gather" => 0, _ => -1 };
                if (weightIndex < 0 || !node.IsOnnxDomain || node.Inputs.Count <= weightIndex) continue;
                if (node.Inputs[weightIndex] is not { Initializer: { DataType: DataType.Float } w } value || !seen.Add(value)) continue;
                quantizable += w.ByteLength;
                if (node.OpType == "MatMul" && w.Shape.Rank == 2) matmul += w.ByteLength;
            }
            return new ModelFacts(fileBytes, floatBytes, quantizable, matmul);
        }

        /// <summary>
        /// The serialized size a precision should come to: fp16 halves float weights, int8 quarters the quantizable ones,
        /// int4 takes an eighth of MatMul weights (plus a scale per 32), mixed is at least int8's.
        /// </summary>
        public long PredictSize(CandidatePrecision precision) => precision switch
        {
            CandidatePrecision.Fp32 => FileBytes,
            CandidatePrecision.Fp16 => FileBytes - FloatWeightBytes / 2,
            CandidatePrecision.Int8Static or CandidatePrecision.Int8Dynamic or CandidatePrecision.Mixed => FileBytes - QuantizableWeightBytes * 3 / 4,
            CandidatePrecision.Int4WeightOnly => FileBytes - MatMulWeightBytes * 7 / 8 + MatMulWeightBytes / 32,
            _ => FileBytes,
        };
    }

    /// <summary>The space and the notes saying what was left out and why.</summary>
    public sealed record Space(CandidateSpec Baseline, IReadOnlyList<Planned> Candidates, IReadOnlyList<string> Notes);

    /// <summary>
    /// Every candidate for <paramref name="model"/> on <paramref name="device"/>, baseline first then most promising
    /// first (predicted target latency, then size). <paramref name="template"/> carries the model, device, data and tool
    /// version every spec shares.
    /// </summary>
    public static Space Build(Model model, ModelFacts facts, ResolvedDevice device, OptimizationConfig config, CandidateSpec template,
        bool hasLabels, int hostCores)
    {
        var notes = new List<string>();
        var target = device.Device;
        var maxThreads = MaxThreads(target, config, hostCores);
        var threadChoices = config.Threads is { } fixedThreads ? [fixedThreads] : ThreadChoices(maxThreads);
        var baseline = Baseline(device, config, template, hostCores);

        var precisions = Precisions(facts, config, template.Data is not null, hasLabels, notes);
        var specs = new List<CandidateSpec>();
        foreach (var backend in Backends(model, target, notes))
        {
            var cpuLike = DeploymentSelection.IsCpuBackend(backend);
            foreach (var precision in precisions.Where(p => Runs(backend, p) && HasPeak(target, backend, p, notes)))
            foreach (var perChannel in precision == CandidatePrecision.Int8Static && backend == baseline.Backend ? new[] { true, false } : [true])
            foreach (var threads in cpuLike ? threadChoices : [maxThreads])
                specs.Add(baseline with
                {
                    Backend = backend, Precision = precision, PerChannel = perChannel, Threads = threads,
                    MixedTargetAccuracy = precision == CandidatePrecision.Mixed ? config.TargetAccuracy : null,
                    MixedMaxAccuracyDrop = precision == CandidatePrecision.Mixed ? config.MaxAccuracyDrop : null,
                });
        }
        // Pruned variants (config.PruneMacs): each target crossed with the precisions (pruned, then quantized) on the
        // baseline's backend at the searched threads; not at mixed precision, whose accuracy search would run once per target.
        foreach (var macs in config.PruneMacs)
        foreach (var precision in precisions.Where(p => p != CandidatePrecision.Mixed && Runs(baseline.Backend, p)))
        foreach (var threads in DeploymentSelection.IsCpuBackend(baseline.Backend) ? threadChoices : [maxThreads])
            specs.Add(baseline with { Precision = precision, Threads = threads, PruneMacs = macs });
        if (config.PruneMacs.Count > 0)
            notes.Add(template.Data is null
                ? "pruned candidates are not reconstructed: least-squares recovery needs calibration data (--data), so expect a larger fidelity loss"
                : Invariant($"pruned candidates: channels pruned to {string.Join(", ", config.PruneMacs.Select(m => Invariant($"{m:0.###}×")))} MACs, then reconstructed on the first {template.Data.CalibrationSamples} samples"));
        // The graph optimization level, shown on the baseline's backend and threads: what ORT's basic level gives up.
        if (precisions.Contains(CandidatePrecision.Fp32)) specs.Add(baseline with { OptimizationLevel = GraphOptimization.Basic });
        specs.RemoveAll(s => s == baseline);

        var predictions = new Predictor(model, facts, target, config);
        var planned = specs.Select(predictions.Plan)
            .OrderBy(p => p.PruneReason is null ? 0 : 1)
            .ThenBy(p => p.PredictedLatencyMs ?? double.MaxValue)
            .ThenBy(p => p.PredictedSizeBytes)
            .ThenByDescending(p => p.Spec.Threads)
            .ToList();
        return new Space(baseline, planned, notes);
    }

    /// <summary>The FP32 baseline: ORT's full graph optimization on the device's CPU backend at the most threads searched.</summary>
    public static CandidateSpec Baseline(ResolvedDevice device, OptimizationConfig config, CandidateSpec template, int hostCores) => template with
    {
        Precision = CandidatePrecision.Fp32, OptimizationLevel = GraphOptimization.All, Threads = MaxThreads(device.Device, config, hostCores),
        BatchSize = config.BatchSize, Backend = CpuBackendOf(device.Device), PerChannel = true, MixedTargetAccuracy = null, MixedMaxAccuracyDrop = null,
    };

    private static int MaxThreads(EdgeDevice target, OptimizationConfig config, int hostCores) =>
        config.Threads ?? Math.Max(1, Math.Min(hostCores, DeviceCores(target)));

    private static List<CandidatePrecision> Precisions(ModelFacts facts, OptimizationConfig config, bool hasData, bool hasLabels, List<string> notes)
    {
        var all = new List<CandidatePrecision> { CandidatePrecision.Fp32 };
        if (facts.FloatWeightBytes > 0) all.Add(CandidatePrecision.Fp16);
        else notes.Add("fp16 not searched: the model has no float32 weights");
        if (facts.QuantizableWeightBytes > 0)
        {
            if (hasData) all.Add(CandidatePrecision.Int8Static);
            else notes.Add("int8 static not searched: it needs calibration data (--data); calibrating on random inputs gives ranges real inputs never see");
            all.Add(CandidatePrecision.Int8Dynamic);
        }
        else notes.Add("int8 not searched: no Conv/Gemm/MatMul/Gather float weights to quantize");
        if (facts.MatMulWeightBytes > 0) all.Add(CandidatePrecision.Int4WeightOnly);
        else notes.Add("int4 weight-only not searched: no MatMul weight matrices (MatMulNBits packs MatMul weights only)");
        if (config.TargetAccuracy is not null || config.MaxAccuracyDrop is not null)
        {
            if (hasLabels && facts.QuantizableWeightBytes > 0) all.Add(CandidatePrecision.Mixed);
            else if (!hasLabels) notes.Add("mixed precision not searched: the accuracy search ranks layers by accuracy and needs labels (--labels)");
        }

        if (config.Quantization is not { } fixedType) return all;
        var allowed = Allowed(fixedType);
        var kept = all.Where(p => p == CandidatePrecision.Fp32 || allowed.Contains(p)).ToList();
        notes.Add($"precision fixed to {fixedType}: only {string.Join(", ", allowed)} candidates are eligible (fp32 is measured as the baseline)");
        if (!kept.Any(allowed.Contains))
            throw new UsageException($"quantization {fixedType} does not apply to this model and data: {string.Join("; ", notes)}");
        return kept;
    }

    /// <summary>The precisions a fixed <see cref="OptimizationConfig.Quantization"/> allows.</summary>
    public static IReadOnlyList<CandidatePrecision> Allowed(QuantizationType type) => type switch
    {
        QuantizationType.Int8 => [CandidatePrecision.Int8Static, CandidatePrecision.Mixed],
        QuantizationType.Int8Dynamic => [CandidatePrecision.Int8Dynamic],
        QuantizationType.Float16 => [CandidatePrecision.Fp16],
        QuantizationType.Int4 => [CandidatePrecision.Int4WeightOnly],
        _ => [],
    };

    /// <summary>Whether a precision runs on a backend as ORT ships it (int8 dynamic and int4 use CPU-only contrib kernels).</summary>
    private static bool Runs(AccelerationBackend backend, CandidatePrecision precision) => backend switch
    {
        AccelerationBackend.Cpu or AccelerationBackend.Wasm => true,
        AccelerationBackend.Xnnpack => precision is CandidatePrecision.Fp32 or CandidatePrecision.Fp16 or CandidatePrecision.Int8Static or CandidatePrecision.Mixed,
        AccelerationBackend.WebGpu => precision is CandidatePrecision.Fp32 or CandidatePrecision.Fp16 or CandidatePrecision.Int4WeightOnly,
        AccelerationBackend.WebGl => precision is CandidatePrecision.Fp32,
        _ => precision is CandidatePrecision.Fp32 or CandidatePrecision.Fp16 or CandidatePrecision.Int8Static,
    };

    /// <summary>
    /// Whether the device has figures for the backend's compute unit at the precision's compute precision (an NPU listed
    /// without peaks cannot be estimated); a missing pair is noted once.
    /// </summary>
    private static bool HasPeak(EdgeDevice device, AccelerationBackend backend, CandidatePrecision precision, List<string> notes)
    {
        var unit = BackendUnits.UnitOf(backend);
        if (unit == ComputeUnitKind.Cpu) return true;
        var compute = ComputePrecision(precision);
        if (device.BestUnit(unit, compute) is not null) return true;
        var note = $"{BackendSupport.CliName(backend)} {CandidateCommand.Tag(precision)} not searched: {device.Id} lists no {unit.ToString().ToUpperInvariant()} {compute.ToString().ToLowerInvariant()} peak to estimate it with";
        if (!notes.Contains(note)) notes.Add(note);
        return false;
    }

    /// <summary>
    /// The precision a candidate computes in: int8 for static, mixed and dynamic INT8 (dynamic runs ConvInteger/MatMulInteger
    /// on activations quantized at run time), float for int4 weight-only (MatMulNBits dequantizes its weights).
    /// </summary>
    public static Precision ComputePrecision(CandidatePrecision precision) => precision switch
    {
        CandidatePrecision.Fp16 => Precision.Fp16,
        CandidatePrecision.Int8Static or CandidatePrecision.Mixed or CandidatePrecision.Int8Dynamic => Precision.Int8,
        _ => Precision.Fp32,
    };

    /// <summary>The device's CPU backend: onnxruntime-web's WebAssembly for browsers, ORT's CPU provider elsewhere.</summary>
    public static AccelerationBackend CpuBackendOf(EdgeDevice device) =>
        device.Platform == EdgePlatform.Web ? AccelerationBackend.Wasm : AccelerationBackend.Cpu;

    /// <summary>
    /// The device's CPU backend plus each accelerator backend whose published support table takes at least 90% of the
    /// model's nodes and whose compute unit the device has; the others are named in the notes with why.
    /// </summary>
    private static List<AccelerationBackend> Backends(Model model, EdgeDevice device, List<string> notes)
    {
        var cpu = CpuBackendOf(device);
        var backends = new List<AccelerationBackend> { cpu };
        var listed = device.Platform == EdgePlatform.Web
            ? [AccelerationBackend.WebGpu]
            : device.Backends.Where(b => b != AccelerationBackend.Cpu).ToList();
        foreach (var backend in listed.Distinct())
        {
            var name = BackendSupport.CliName(backend);
            var unit = BackendUnits.UnitOf(backend);
            if (unit != ComputeUnitKind.Cpu && !device.ComputeUnits.Any(u => u.Kind == unit))
            {
                notes.Add($"{name} not searched: {device.Id} lists no {unit.ToString().ToUpperInvariant()} figures to estimate it with");
                continue;
            }
            if (!BackendSupport.Supported.Contains(backend))
            {
                if (backend is AccelerationBackend.Cuda) backends.Add(backend);
                else notes.Add($"{name} not searched: EdgeOpt has no operator support table for it yet");
                continue;
            }
            var report = BackendSupport.Check(model, backend);
            var total = report.Nodes.Count;
            if (total > 0 && report.SupportedNodes * 10 >= total * 9) backends.Add(backend);
            else notes.Add($"{name} not searched: it takes {report.SupportedNodes} of {total} nodes ({report.Partitions} partitions); 'edgeopt compat MODEL --backend {name}' says which and why");
        }
        return backends;
    }

    /// <summary>CPU cores ORT would use on the device: the performance and mid cores (little cores only when there is nothing else).</summary>
    private static int DeviceCores(EdgeDevice device)
    {
        var clusters = device.CpuClusters;
        if (clusters.Count == 0) return 4;
        var fastest = clusters.Max(c => c.MaxGhz);
        var big = clusters.Where(c => c.MaxGhz >= fastest * 0.75).Sum(c => c.Cores);
        return Math.Max(1, big);
    }

    /// <summary>1, the powers of two below <paramref name="max"/>, and <paramref name="max"/>.</summary>
    private static List<int> ThreadChoices(int max)
    {
        var choices = new List<int>();
        for (var t = 1; t < max; t *= 2) choices.Add(t);
        choices.Add(max);
        return choices;
    }

    /// <summary>Predicts size, target memory and latency from the model and the catalogue, without building anything.</summary>
    private sealed class Predictor(Model model, ModelFacts facts, EdgeDevice device, OptimizationConfig config)
    {
        private readonly Dictionary<(Precision, ComputeUnitKind), LatencyEstimate?> _estimates = [];

        public Planned Plan(CandidateSpec spec)
        {
            // A pruned model's weights and work scale roughly with the MACs kept (convolution weights shrink with their channels).
            var kept = spec.PruneMacs ?? 1.0;
            var size = (long)(facts.PredictSize(spec.Precision) * kept);
            var estimate = Estimate(spec);
            long? memory = estimate is null ? null : spec.Precision switch
            {
                // Activations stay float for these: weights at their predicted size, activations as in float.
                CandidatePrecision.Int8Dynamic or CandidatePrecision.Int4WeightOnly or CandidatePrecision.Mixed => size + estimate.PeakActivationBytes,
                _ => estimate.PeakMemoryBytes,
            };
            var threads = DeploymentSelection.IsCpuBackend(spec.Backend) ? Math.Max(1, spec.Threads) : 1;
            // The catalogue estimate assumes ORT's usual thread count; fewer threads are predicted proportionally slower.
            var latency = estimate is null ? (double?)null : estimate.TotalMs * Math.Max(1.0, (double)ReferenceThreads / threads) * kept;
            return new Planned(spec, size, memory, latency, PruneReason(size, memory));
        }

        private int ReferenceThreads => Math.Max(1, DeviceCores(device));

        private string? PruneReason(long size, long? memory)
        {
            var reasons = new List<string>();
            if (config.CompressionRatio is { } ratio && facts.FileBytes > 0 && size * (1 - PredictionSlack) > ratio * facts.FileBytes)
                reasons.Add($"predicted size {size / 1e6:0.###} MB is {(double)size / facts.FileBytes:0.###} of the original, over the compression ratio {ratio:0.###}");
            if (config.MaxMemoryMb is { } mb && memory is { } m && m * (1 - PredictionSlack) > mb * 1e6)
                reasons.Add($"predicted target memory {m / 1e6:0.###} MB is over the limit of {mb:0.###} MB");
            return reasons.Count == 0 ? null : string.Join("; ", reasons) + $" (predictions get {PredictionSlack:P0} slack)";
        }

        private LatencyEstimate? Estimate(CandidateSpec spec)
        {
            var precision = ComputePrecision(spec.Precision);
            var unit = BackendUnits.UnitOf(spec.Backend);
            if (_estimates.TryGetValue((precision, unit), out var cached)) return cached;
            LatencyEstimate? estimate;
            try
            {
                estimate = LatencyEstimator.Estimate(model, device, new EstimateOptions { Precision = precision, Unit = unit, Batch = config.BatchSize });
            }
            catch (EdgeOptException)
            {
                estimate = null; // Shapes the estimator cannot resolve: no prediction, the candidate is simply not pruned.
            }
            _estimates[(precision, unit)] = estimate;
            return estimate;
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
