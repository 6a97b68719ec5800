using System.Globalization;
using EdgeOpt.Analysis.Estimation;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis;

/// <summary>
/// Estimates a model's latency and memory footprint on a device by a roofline model: each node takes
/// max(operations / achieved GOPS of its op class, bytes moved / effective bandwidth) plus a fixed cost per node, and
/// each run a fixed cost. For the host's CPU every figure is measured by <see cref="HostCalibrator"/> (real ONNX Runtime
/// kernels, cached per host); for a catalogue CPU they come from the cores ONNX Runtime's threads run on at sustained
/// clocks and fitted per-class shares; for a GPU or NPU from its peak and published-share efficiencies. Everything
/// returned is an estimate and says so in <see cref="LatencyEstimate.Method"/>.
/// /// <code>
/// using var model = Model.Load("resnet18.onnx");
/// var estimate = LatencyEstimator.Estimate(model, DeviceCatalog.Find("pixel 8"), new EstimateOptions { Precision = Precision.Int8 });
/// Console.WriteLine($"{estimate.TotalMs:0.0} ms ({estimate.Method})");
/// </code>
/// </summary>
public static class LatencyEstimator
{
    /// <summary>Browsers should download under 50 MB (10⁶ bytes) before the first inference.</summary>
    public const long BrowserInitialLoadBytes = 50_000_000;

    /// <summary>
    /// A model whose weights and peak activations fit in this many bytes stays in the on-chip caches between
    /// inferences (every catalogue SoC and the host have at least 2 MB of last-level cache), so it streams at
    /// <see cref="CacheBandwidthFactor"/> × DRAM bandwidth.
    /// </summary>
    public const long CacheResidentBytes = 2_000_000;

    /// <summary>Cache over DRAM bandwidth assumed for a cache-resident model (a conservative ratio for L2/LLC).</summary>
    public const double CacheBandwidthFactor = 4;

    /// <summary>Estimates <paramref name="model"/> on <paramref name="device"/>; shape inference only adds value types to the model.</summary>
    /// <exception cref="UsageException">The device has no unit for the precision, an option is out of range, or a node cannot be costed.</exception>
    public static LatencyEstimate Estimate(Model model, EdgeDevice device, EstimateOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(device);
        options ??= EstimateOptions.Default;
        ThrowHelper.IfInvalid(options.Validate());

        var (unit, choice) = ChooseUnit(device, options);
        var hostCpu = UnitModel.IsHost(device) && unit.Kind == ComputeUnitKind.Cpu;
        if (!hostCpu && device.MemoryBandwidthGBps <= 0) ThrowHelper.Usage($"device '{device.Name}' has no memory bandwidth figure to estimate with");
        var peakGops = unit.PeakGops[options.Precision];
        var source = model.SourcePath is { } p ? Path.GetFileName(p) : $"model '{model.Graph.Name}'";

        ShapeInference.Infer(model);
        var (symbols, scale) = BindBatch(model.Graph, options);
        var shapes = new ShapeResolver(symbols);
        var precisionBytes = BytesPerElement(options.Precision);

        var weights = ParameterCounter.Collect(model);
        var storedWeightBytes = weights.Sum(w => w.Bytes);
        var weightBytesAtPrecision = weights.Sum(w => w.DataType.IsFloatingPoint() ? w.Elements * precisionBytes : w.Bytes);
        var peakActivations = ActivationLiveness.Analyze(model.Graph, shapes).PeakBytes * precisionBytes / 4 * scale;
        var cacheResident = !hostCpu && weightBytesAtPrecision + peakActivations <= CacheResidentBytes;
        var unitModel = hostCpu
            ? UnitModel.ForHost(unit, options.Precision, options.Calibration ?? HostCalibrator.GetOrRun(), options.Threads)
            : UnitModel.ForCatalogue(device, unit, options.Precision, peakGops, device.MemoryBandwidthGBps * (cacheResident ? CacheBandwidthFactor : 1),
                options.Threads, options.Calibration);

        var nodes = new List<NodeEstimate>();
        var fused = new HashSet<Node>();
        foreach (var node in model.Graph.TopologicalOrder())
        {
            var cost = OperatorCost.Estimate(node, shapes);
            if (!cost.IsCounted)
                ThrowHelper.Usage($"{source}: node {node.DisplayName} cannot be costed: {cost.NotCountedReason}");
            var opKey = ModelProfile.OpKey(node);
            if (OpClassifier.IsFusedIntoProducer(node, fused, residualAdd: unit.Kind == ComputeUnitKind.Gpu))
            {
                fused.Add(node);
                nodes.Add(new NodeEstimate(Name(node), opKey, "fused", 0, 0, 0, 0, 0, 0, 0, 0, RooflineBound.Fused));
                continue;
            }
            var opClass = OpClassifier.Classify(node, cost.Macs, cost.Flops);
            var macs = checked(cost.Macs * scale);
            var operations = checked((cost.Macs > 0 ? 2 * cost.Macs : cost.Flops) * scale);
            long weightBytes = 0, activationBytes = 0;
            if (opClass != OpClass.View)
            {
                foreach (var input in node.Inputs)
                {
                    if (input is not { Name.Length: > 0 }) continue;
                    if (IsWeight(input)) weightBytes += Bytes(input, shapes, precisionBytes, source, node);
                    else activationBytes += Bytes(input, shapes, precisionBytes, source, node) * scale;
                }
                foreach (var output in node.Outputs)
                    if (output.Name.Length > 0) activationBytes += Bytes(output, shapes, precisionBytes, source, node) * scale;
            }
            var computeMs = operations / (unitModel.Gops(opClass) * 1e9) * 1e3;
            var memoryMs = (weightBytes + activationBytes) / (unitModel.BandwidthGBps * 1e9) * 1e3;
            var overheadMs = unitModel.NodeOverheadUs / 1e3;
            var bound = Math.Max(computeMs, memoryMs) < overheadMs ? RooflineBound.Overhead
                : computeMs >= memoryMs ? RooflineBound.Compute : RooflineBound.Memory;
            nodes.Add(new NodeEstimate(Name(node), opKey, opClass.Name(), macs, operations, weightBytes, activationBytes,
                computeMs, memoryMs, overheadMs, Math.Max(computeMs, memoryMs) + overheadMs, bound));
        }

        var runOverheadMs = unitModel.RunOverheadUs / 1e3;
        var totalMs = nodes.Sum(n => n.EstimatedMs) + runOverheadMs;
        var fileBytes = model.SourcePath is { } path && File.Exists(path) ? FileLength.Of(path) : model.CalculateSerializedSize();

        return new LatencyEstimate
        {
            Method = Method(device, hostCpu, unitModel, cacheResident),
            DeviceId = device.Id,
            DeviceName = device.Name,
            Platform = device.Platform,
            Precision = options.Precision,
            Batch = options.Batch,
            Unit = unit.Kind,
            UnitName = unit.Name,
            UnitChoice = choice,
            PeakGops = peakGops,
            MemoryBandwidthGBps = device.MemoryBandwidthGBps,
            Threads = unitModel.Threads,
            Nodes = nodes,
            RunOverheadMs = runOverheadMs,
            TotalMs = totalMs,
            TotalMacs = nodes.Sum(n => n.Macs),
            TotalBytesMoved = nodes.Sum(n => n.BytesMoved),
            TimeShareByBound = nodes.Where(n => n.Bound != RooflineBound.Fused).GroupBy(n => n.Bound)
                .ToDictionary(g => g.Key, g => totalMs > 0 ? g.Sum(n => n.EstimatedMs) / totalMs : 0),
            WeightBytes = weightBytesAtPrecision,
            PeakActivationBytes = peakActivations,
            DeviceClass = device.Class,
            ClassTargetBytes = ClassTarget(device.Class),
            ModelFileBytes = fileBytes,
            InitialLoadBytes = Math.Max(0, fileBytes - storedWeightBytes) + weightBytesAtPrecision,
        };
    }

    /// <summary>The footprint target of a memory class: 100, 200 or 500 MB.</summary>
    public static long ClassTarget(DeviceClass deviceClass) => deviceClass switch
    {
        DeviceClass.Low => 100_000_000,
        DeviceClass.Mid => 200_000_000,
        _ => 500_000_000,
    };

    private static (ComputeUnit Unit, string Choice) ChooseUnit(EdgeDevice device, EstimateOptions options)
    {
        var precision = options.Precision;
        var label = Label(precision);
        if (options.Unit is { } kind)
        {
            var unit = device.BestUnit(kind, precision)
                ?? throw new UsageException($"device '{device.Name}' has no {kind.ToString().ToUpperInvariant()} with a {label} peak ({Available(device)})");
            return (unit, "given");
        }
        // Jetson-class devices run through TensorRT/CUDA: the GPU is the default unit at every precision there.
        ComputeUnitKind[] preference = device.Backends.FirstOrDefault() is AccelerationBackend.TensorRt or AccelerationBackend.Cuda
            ? [ComputeUnitKind.Gpu, ComputeUnitKind.Npu, ComputeUnitKind.Cpu]
            : precision switch
        {
            Precision.Int8 => [ComputeUnitKind.Npu, ComputeUnitKind.Cpu, ComputeUnitKind.Gpu],
            Precision.Fp16 => [ComputeUnitKind.Gpu, ComputeUnitKind.Npu, ComputeUnitKind.Cpu],
            _ => [ComputeUnitKind.Cpu, ComputeUnitKind.Gpu, ComputeUnitKind.Npu],
        };
        foreach (var k in preference)
            if (device.BestUnit(k, precision) is { } unit)
                return (unit, k == preference[0]
                    ? $"default for {label}: {k.ToString().ToUpperInvariant()}"
                    : $"default for {label}: {k.ToString().ToUpperInvariant()} (no {preference[0].ToString().ToUpperInvariant()} with a {label} peak)");
        throw new UsageException($"device '{device.Name}' has no unit with a {label} peak ({Available(device)})");
    }

    private static string Available(EdgeDevice device)
    {
        var byPrecision = Enum.GetValues<Precision>()
            .Select(p => (p, units: device.ComputeUnits.Where(u => u.PeakGops.ContainsKey(p)).Select(u => u.Kind.ToString().ToUpperInvariant()).Distinct().ToList()))
            .Where(x => x.units.Count > 0)
            .Select(x => $"{Label(x.p)} on {string.Join("/", x.units)}")
            .ToList();
        return byPrecision.Count == 0 ? "it lists no compute units" : $"it has {string.Join(", ", byPrecision)}";
    }

    // A symbolic leading input dim takes the batch; a model exported with a fixed batch of 1 is scaled linearly.
    private static (Dictionary<string, long> Symbols, long Scale) BindBatch(Graph graph, EstimateOptions options)
    {
        var symbols = new Dictionary<string, long>(options.DimensionValues ?? new Dictionary<string, long>(), StringComparer.Ordinal);
        foreach (var (symbol, size) in symbols)
            if (size <= 0) ThrowHelper.Usage($"symbolic dim '{symbol}' must be given a positive size, got {size}");
        var boundBatch = false;
        foreach (var input in graph.Inputs.Where(v => !v.IsInitializer))
        {
            if (input.Shape is not { Rank: > 0 } shape) continue;
            if (shape[0].Symbol is { } s && !symbols.ContainsKey(s))
            {
                symbols[s] = options.Batch;
                boundBatch = true;
            }
            else if (shape[0].Symbol is not null) boundBatch = true;
        }
        return (symbols, boundBatch || options.Batch == 1 ? 1 : options.Batch);
    }

    private static bool IsWeight(Value v) => v.IsInitializer || v.Producer is { OpType: "Constant", IsOnnxDomain: true };

    private static long Bytes(Value value, ShapeResolver shapes, int precisionBytes, string source, Node node)
    {
        var dims = shapes.Dims(value, out var reason);
        if (dims is null || value.ElementType is not { } type || !type.IsFixedSize())
            throw new UsageException($"{source}: node {node.DisplayName} cannot be costed: {reason ?? $"'{value.Name}' has no fixed-size element type"}");
        var elements = ShapeResolver.Product(dims);
        return type.IsFloatingPoint() ? elements * precisionBytes : type.StorageBytes(elements);
    }

    private static int BytesPerElement(Precision p) => p switch
    {
        Precision.Fp32 => 4,
        Precision.Fp16 => 2,
        _ => 1,
    };

    private static string Name(Node node) => node.Name.Length > 0 ? node.Name : node.DisplayName;

    internal static string Label(Precision p) => p.ToString().ToLowerInvariant();

    private static string Method(EdgeDevice device, bool hostCpu, UnitModel unitModel, bool cacheResident)
    {
        var bandwidthSource = device.Sources.TryGetValue("memoryBandwidthGBps", out var s) ? s : "the device record";
        var cache = cacheResident
            ? string.Create(CultureInfo.InvariantCulture, $"model fits in {CacheResidentBytes / 1e6:0.#} MB so cache-resident: bandwidth × {CacheBandwidthFactor:0.#}; ")
            : "";
        var bandwidth = hostCpu
            ? "bandwidth: the calibrated elementwise bandwidth"
            : string.Create(CultureInfo.InvariantCulture, $"bandwidth {device.MemoryBandwidthGBps:0.#} GB/s from {bandwidthSource}");
        return "roofline: max(2×MACs (FLOPs for ops without MACs) / achieved GOPS of the op class, bytes / bandwidth) + fixed cost per node, plus a fixed cost per run; " +
            $"{unitModel.Method}; {bandwidth}; {cache}BatchNormalization and activations after Conv/Gemm/MatMul assumed fused" +
            (unitModel.Threads is null && !hostCpu ? ", and on a GPU a residual Add into the Conv that feeds it" : "");
    }
}
