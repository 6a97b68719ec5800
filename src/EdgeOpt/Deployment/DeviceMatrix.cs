using System.Globalization;
using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;

namespace EdgeOpt.Deployment;

/// <summary>
/// The device testing matrix (the seed's <c>benchmark_edge_deployment</c>): for each device, the estimated latency and
/// memory (<see cref="LatencyEstimator"/>), whether it fits the device class, the best backend and its partitions
/// (<see cref="BackendSupport"/>) and a suggested configuration; plus one row for this host measured with ONNX Runtime
/// (<see cref="ModelBenchmark"/>). A thin composition of those facades; every row says whether it is estimated or measured.
/// </summary>
public static class DeviceMatrix
{
    /// <summary>The name that stands for this machine, estimated (its measured row is added by <see cref="DeviceMatrixOptions.MeasureHost"/>).</summary>
    public const string HostName = "host";

    private static readonly Precision[] PrecisionsByAccuracy = [Precision.Fp32, Precision.Fp16, Precision.Int8];

    /// <summary>Builds the matrix of <paramref name="modelPath"/> over <paramref name="devices"/> (catalogue names, device.json paths or <c>host</c>).</summary>
    /// <exception cref="UsageException">No device, an unknown device (with the closest names), or options out of range.</exception>
    /// <exception cref="ModelFormatException">A model that cannot be read.</exception>
    public static DeviceMatrixResult Build(string modelPath, IReadOnlyList<string> devices, DeviceMatrixOptions? options = null,
        CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentNullException.ThrowIfNull(devices);
        options ??= DeviceMatrixOptions.Default;
        ThrowHelper.IfInvalid(options.Validate());
        if (devices.Count == 0) ThrowHelper.Usage("no device: give at least one (edgeopt devices lists the catalogue)");
        // Every name is resolved before any work, so a typo fails at once with suggestions.
        var resolved = devices.Select(Resolve).ToList();

        var rows = new List<DeviceMatrixRow>();
        var notes = new List<string>();
        using (var model = Model.Load(modelPath))
        {
            var compat = new Dictionary<AccelerationBackend, CompatibilityReport>();
            foreach (var device in resolved)
            {
                cancellation.ThrowIfCancellationRequested();
                rows.Add(Estimate(model, device, options, compat));
            }
            if (options.MeasureHost) rows.Add(Measure(model, modelPath, options, compat, cancellation));
        }
        notes.Add("estimated rows: the roofline latency model (edgeopt estimate) from the device's published peaks and bandwidth; nothing ran on the device");
        if (options.MeasureHost)
        {
            notes.Add($"measured row: ONNX Runtime on this host ({HostDescription.Current}), p50 of {options.HostRuns} runs after {options.HostWarmup} warm-up, peak working set of the session");
            if (options.Precision != Precision.Fp32)
                notes.Add($"the host row ran the model as given, not at {Name(options.Precision)}: quantize it first to measure that");
        }
        return new DeviceMatrixResult(modelPath, FileLength.Of(modelPath), options.Precision, options.Batch, rows, notes);
    }

    private static ResolvedDevice Resolve(string name) =>
        string.Equals(name.Trim(), HostName, StringComparison.OrdinalIgnoreCase)
            ? new ResolvedDevice(HostProbe.Current.ToEdgeDevice(), null, [])
            : ResolvedDevice.Resolve(name.Trim());

    private static DeviceMatrixRow Estimate(Model model, ResolvedDevice resolved, DeviceMatrixOptions options, Dictionary<AccelerationBackend, CompatibilityReport> compat)
    {
        var device = resolved.Device;
        var (backend, report, reason) = BestBackend(model, device, compat);
        var row = new DeviceMatrixRow
        {
            Device = device.Id, Name = device.Name, Platform = device.Platform, Class = device.Class, Source = FigureSource.Estimated,
            Precision = options.Precision, ClassTargetBytes = LatencyEstimator.ClassTarget(device.Class), Backend = backend,
            Partitions = report?.Partitions, SupportedNodes = report?.SupportedNodes, TotalNodes = report?.Nodes.Count ?? model.Graph.Nodes.Count,
            BackendReason = reason, BorrowedFrom = resolved.BorrowedFrom,
        };
        row = row with { Suggested = Suggest(model, device, backend, report, options) };
        try
        {
            var estimate = LatencyEstimator.Estimate(model, device, EstimateOptions(options, options.Precision, unit: null));
            return row with
            {
                Unit = Name(estimate.Unit), LatencyMs = estimate.TotalMs, MemoryBytes = estimate.PeakMemoryBytes, Fits = estimate.FitsClassTarget,
                InitialLoadBytes = device.Platform == EdgePlatform.Web ? estimate.InitialLoadBytes : null,
            };
        }
        catch (UsageException e)
        {
            // One device the model cannot be estimated on (no unit for the precision) leaves the others standing.
            return row with { Problem = e.Message };
        }
    }

    private static DeviceMatrixRow Measure(Model model, string modelPath, DeviceMatrixOptions options, Dictionary<AccelerationBackend, CompatibilityReport> compat,
        CancellationToken cancellation)
    {
        var host = HostProbe.Current.ToEdgeDevice();
        var threads = options.HostThreads ?? Environment.ProcessorCount;
        var benchmark = new BenchmarkOptions
        {
            Threads = [threads], Runs = options.HostRuns, Warmup = options.HostWarmup, Batch = options.Batch, Shapes = HostShapes(model, options),
        };
        var measured = ModelBenchmark.Run([modelPath], benchmark, cancellation: cancellation).Results.Single();
        var (backend, report, _) = BestBackend(model, host, compat);
        var classTarget = LatencyEstimator.ClassTarget(host.Class);
        return new DeviceMatrixRow
        {
            Device = HostName, Name = $"this host ({HostDescription.Current.Cpu})", Platform = host.Platform, Class = host.Class,
            Source = FigureSource.Measured, Precision = Precision.Fp32, Unit = "cpu", LatencyMs = measured.Latency.P50, LatencyP90Ms = measured.Latency.P90,
            MemoryBytes = measured.PeakWorkingSetBytes, ClassTargetBytes = classTarget, Fits = measured.PeakWorkingSetBytes < classTarget, Threads = threads,
            Backend = AccelerationBackend.Cpu, Partitions = 1, SupportedNodes = model.Graph.Nodes.Count, TotalNodes = model.Graph.Nodes.Count,
            BackendReason = "measured with ONNX Runtime's CPU execution provider, which runs every node",
            Suggested = Suggest(model, host, backend, report, options),
        };
    }

    // The host run needs every symbolic dim settled: the leading one is the batch, the others come from DimensionValues.
    private static Dictionary<string, long[]> HostShapes(Model model, DeviceMatrixOptions options)
    {
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var input in model.Graph.Inputs.Where(v => !v.IsInitializer))
        {
            if (input.Shape is not { Rank: > 0 } shape || shape.All(d => d.Value is not null)) continue;
            var dims = new long[shape.Rank];
            for (var i = 0; i < shape.Rank; i++)
            {
                if (shape[i].Value is { } fixedSize) dims[i] = fixedSize;
                else if (shape[i].Symbol is { } symbol && options.DimensionValues.TryGetValue(symbol, out var given)) dims[i] = given;
                else if (i == 0) dims[i] = options.Batch;
                else
                    ThrowHelper.Usage($"input '{input.Name}' dim {i} is {(shape[i].Symbol is { } s ? $"'{s}'" : "unnamed")}: give its size " +
                        $"(--dim {shape[i].Symbol ?? "NAME"}=SIZE) to measure the host row");
            }
            shapes[input.Name] = dims;
        }
        return shapes;
    }

    /// <summary>
    /// The device's backend to deploy on: the first in the catalogue's order (best first) that runs every node in one
    /// partition; else the one running the largest share of nodes (fewer partitions breaking ties) — unless that share is
    /// under half and the device has a backend without a support table (CUDA, the CPU), which is then taken, unchecked.
    /// </summary>
    private static (AccelerationBackend Backend, CompatibilityReport? Report, string Reason) BestBackend(Model model, EdgeDevice device,
        Dictionary<AccelerationBackend, CompatibilityReport> cache)
    {
        var checkable = device.Backends.Where(BackendSupport.Supported.Contains).ToList();
        var untabled = device.Backends.Where(b => !BackendSupport.Supported.Contains(b)).ToList();
        var fallback = untabled.Count > 0 ? untabled[0] : AccelerationBackend.Cpu;
        if (checkable.Count == 0) return (fallback, null, $"{Name(fallback)}: no support table; assumed to run every node");
        var reports = checkable.Select(b => cache.TryGetValue(b, out var r) ? r : cache[b] = BackendSupport.Check(model, b)).ToList();
        if (reports.FirstOrDefault(r => r.Partitions <= 1 && r.SupportedNodes == r.Nodes.Count) is { } full)
            return (full.Backend, full, $"{Name(full.Backend)} runs all {full.Nodes.Count} nodes in one partition");
        var widest = reports
            .Select((r, order) => (r, order))
            .OrderByDescending(x => Share(x.r))
            .ThenBy(x => x.r.Partitions)
            .ThenBy(x => x.order)
            .First().r;
        var why = string.Create(CultureInfo.InvariantCulture, $"{Name(widest.Backend)} runs {widest.SupportedNodes} of {widest.Nodes.Count} nodes in {widest.Partitions} partitions")
            + (widest.Nodes.FirstOrDefault(n => !n.Supported)?.Reason is { } first ? $" (e.g. {first})" : "");
        if (Share(widest) < 0.5 && untabled.Count > 0)
            return (fallback, null, $"{why}; {Name(fallback)} has no support table and is assumed to run every node");
        return (widest.Backend, widest, why + "; the rest falls back to the CPU");

        static double Share(CompatibilityReport r) => r.Nodes.Count == 0 ? 1 : (double)r.SupportedNodes / r.Nodes.Count;
    }

    private static SuggestedConfig? Suggest(Model model, EdgeDevice device, AccelerationBackend backend, CompatibilityReport? report, DeviceMatrixOptions options)
    {
        var threads = device.PerformanceCores;
        // The backend's own unit first; a unit without published figures (an NPU reached through NNAPI) falls back to the CPU.
        foreach (var kind in new[] { BackendUnits.UnitOf(backend), ComputeUnitKind.Cpu }.Distinct())
        {
            var precisions = kind == BackendUnits.UnitOf(backend) ? Precisions(backend) : Precisions(AccelerationBackend.Cpu);
            var estimates = new List<(Precision Precision, double Ms)>();
            foreach (var precision in precisions)
            {
                if (device.BestUnit(kind, precision) is null) continue;
                try
                {
                    estimates.Add((precision, LatencyEstimator.Estimate(model, device, EstimateOptions(options, precision, kind)).TotalMs));
                }
                catch (UsageException)
                {
                    // This precision cannot be estimated here; the others still can.
                }
            }
            if (estimates.Count == 0) continue;
            // An accelerator that runs the whole graph needs one CPU thread; CPU work and fallback partitions want the big cores.
            if (kind != ComputeUnitKind.Cpu && (report is null || (report.Partitions <= 1 && report.SupportedNodes == report.Nodes.Count))) threads = 1;
            // Fastest; a precision within 5% of it that keeps more accuracy wins (the list runs fp32 → int8).
            var fastest = estimates.Min(e => e.Ms);
            var pick = estimates.First(e => e.Ms <= fastest * 1.05);
            var compared = string.Join(", ", estimates.Select(e => string.Create(CultureInfo.InvariantCulture, $"{Name(e.Precision)} {e.Ms:0.###} ms")));
            var unitNote = kind == BackendUnits.UnitOf(backend) ? "" : $" ({Name(BackendUnits.UnitOf(backend))} has no published figures)";
            var cores = threads == 1 && kind != ComputeUnitKind.Cpu ? "1 CPU thread: the accelerator runs the whole graph"
                : $"{threads} thread{(threads == 1 ? "" : "s")}: the big and mid cores";
            return new SuggestedConfig(pick.Precision, backend, Name(kind), threads, pick.Ms,
                $"fastest estimated on the {Name(kind)}{unitNote} of what {Name(backend)} runs ({compared}); {cores}; check accuracy with edgeopt deploy");
        }
        return null;
    }

    /// <summary>The precisions a backend computes in (ONNX Runtime's execution provider docs); plain CPU kernels gain nothing from fp16.</summary>
    private static Precision[] Precisions(AccelerationBackend backend) => backend switch
    {
        AccelerationBackend.EdgeTpu => [Precision.Int8],
        AccelerationBackend.CoreMl or AccelerationBackend.Cuda or AccelerationBackend.OpenCl or AccelerationBackend.WebGpu => [Precision.Fp32, Precision.Fp16],
        AccelerationBackend.WebGl => [Precision.Fp32],
        AccelerationBackend.Cpu or AccelerationBackend.Wasm => [Precision.Fp32, Precision.Int8],
        _ => PrecisionsByAccuracy,
    };

    private static EstimateOptions EstimateOptions(DeviceMatrixOptions options, Precision precision, ComputeUnitKind? unit) => new()
    {
        Precision = precision, Unit = unit, Batch = options.Batch, DimensionValues = options.DimensionValues,
    };

    private static string Name(ComputeUnitKind kind) => kind.ToString().ToLowerInvariant();

    private static string Name(Precision precision) => precision.ToString().ToLowerInvariant();

    private static string Name(AccelerationBackend backend) => BackendSupport.CliName(backend);
}
