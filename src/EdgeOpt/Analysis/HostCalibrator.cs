using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using EdgeOpt.Analysis.Estimation;
using EdgeOpt.Devices.Probing;
using EdgeOpt.Runtime;

namespace EdgeOpt.Analysis;

/// <summary>
/// Measures what ONNX Runtime's CPU kernels achieve on this host (Conv 3×3, Conv 1×1, depthwise Conv, MatMul,
/// elementwise Add/Relu, and the fixed costs of a node and a run) at 1 thread and at ONNX Runtime's default thread
/// count, in about 2 s, and caches the result per host fingerprint. <see cref="LatencyEstimator"/> builds the host
/// estimate from it.
/// <code>
/// var calibration = HostCalibrator.GetOrRun();                                      // cached after the first call
/// var fresh = HostCalibrator.GetOrRun(new HostCalibrationOptions { Recalibrate = true });
/// </code>
/// </summary>
public static class HostCalibrator
{
    private static readonly Lock Gate = new();
    private static HostCalibration? _current;

    /// <summary>This host's fingerprint: CPU model, logical and physical cores, ONNX Runtime and EdgeOpt versions.</summary>
    public static string Fingerprint
    {
        get
        {
            var host = HostDescription.Current;
            var physical = LinuxFiles.PhysicalCoresFromTopology();
            var version = typeof(HostCalibrator).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            return string.Create(CultureInfo.InvariantCulture,
                $"{host.Cpu}; {host.LogicalCores} logical / {physical?.ToString(CultureInfo.InvariantCulture) ?? "?"} physical cores; ONNX Runtime {host.OnnxRuntimeVersion}; EdgeOpt {version}");
        }
    }

    /// <summary>ONNX Runtime's default intra-op thread count here: one per physical core the process may use.</summary>
    public static int DefaultThreads => Math.Max(1, Math.Min(LinuxFiles.PhysicalCoresFromTopology() ?? Environment.ProcessorCount, Environment.ProcessorCount));

    /// <summary>
    /// The calibration for this host: the cached one when its fingerprint matches (unless
    /// <see cref="HostCalibrationOptions.Recalibrate"/>), else measured now and cached. With the default options the
    /// result is also kept for the rest of the process.
    /// </summary>
    /// <exception cref="InvalidOptionsException">The options are invalid.</exception>
    public static HostCalibration GetOrRun(HostCalibrationOptions? options = null)
    {
        options ??= HostCalibrationOptions.Default;
        ThrowHelper.IfInvalid(options.Validate());
        var processWide = options.CacheDirectory is null && options.Threads is null && options.TimePerKernel == HostCalibrationOptions.Default.TimePerKernel;
        lock (Gate)
        {
            if (processWide && !options.Recalibrate && _current is { } known) return known;
            var fingerprint = Fingerprint;
            var path = CalibrationCache.PathFor(options.CacheDirectory ?? CalibrationCache.DefaultDirectory(), fingerprint);
            var calibration = options.Recalibrate ? null : CalibrationCache.TryRead(path, fingerprint);
            if (calibration is null)
            {
                calibration = Measure(fingerprint, options);
                try
                {
                    CalibrationCache.Write(path, calibration);
                    calibration = calibration with { CachePath = path };
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // A read-only home still gets an estimate; it is measured again next time.
                }
            }
            if (processWide) _current = calibration;
            return calibration;
        }
    }

    /// <summary>Measures now without reading or writing the cache.</summary>
    public static HostCalibration Measure(HostCalibrationOptions? options = null)
    {
        options ??= HostCalibrationOptions.Default;
        ThrowHelper.IfInvalid(options.Validate());
        return Measure(Fingerprint, options);
    }

    private static HostCalibration Measure(string fingerprint, HostCalibrationOptions options)
    {
        var watch = Stopwatch.StartNew();
        var threads = (options.Threads ?? [1, DefaultThreads]).Distinct().Order().ToList();
        var budget = options.TimePerKernel;
        using var single = CalibrationKernels.Chain(1);
        using var chain = CalibrationKernels.Chain(CalibrationKernels.LongChain);
        var models = CalibrationKernels.ComputeKernels.Select(k =>
        {
            var model = k.Build();
            return (Kernel: k, Model: model, Count: CalibrationKernels.Count(model));
        }).ToList();
        try
        {
            var points = new List<CalibrationPoint>();
            foreach (var t in threads)
            {
                var oneNode = CalibrationKernels.TimeMs(single, t, budget / 2);
                var manyNodes = CalibrationKernels.TimeMs(chain, t, budget / 2);
                var nodeUs = Math.Max(0, (manyNodes - oneNode) / (CalibrationKernels.LongChain - 1) * 1e3);
                var runUs = Math.Max(0, oneNode * 1e3 - nodeUs);
                var gops = new Dictionary<string, double>(StringComparer.Ordinal);
                double bandwidth = 0;
                foreach (var (kernel, model, count) in models)
                {
                    var ms = CalibrationKernels.TimeMs(model, t, budget);
                    // The kernel's own time: the run and node fixed costs are added back separately by the estimator.
                    var workMs = Math.Max(ms - (runUs + count.Nodes * nodeUs) / 1e3, ms / 4);
                    if (kernel.OpClass is { } opClass) gops[opClass] = count.Operations / (workMs * 1e6);
                    else bandwidth = count.Bytes / (workMs * 1e6);
                }
                points.Add(new CalibrationPoint(t, gops, bandwidth, nodeUs, runUs));
            }
            return new HostCalibration
            {
                Fingerprint = fingerprint,
                MeasuredAt = DateTimeOffset.UtcNow,
                DurationMs = watch.Elapsed.TotalMilliseconds,
                Points = points,
                Method = string.Create(CultureInfo.InvariantCulture,
                    $"ONNX Runtime CPU provider, all graph optimizations; median of runs over {budget.TotalMilliseconds:0} ms per kernel after 3 warm-ups, at {string.Join(" and ", threads)} intra-op thread(s); ") +
                    CalibrationKernels.Describe(),
            };
        }
        finally
        {
            foreach (var (_, model, _) in models) model.Dispose();
        }
    }
}
