using System.Globalization;
using System.Text.Json.Serialization;

namespace EdgeOpt.Analysis;

/// <summary>
/// What ONNX Runtime's own kernels achieve on this host, measured by <see cref="HostCalibrator"/>: per op class the
/// throughput reached at each calibrated thread count, the bandwidth of elementwise work, and the fixed costs of a
/// node and of a run. The host estimate is built from these figures instead of a peak and assumed efficiencies;
/// catalogue estimates can borrow its per-class shape (<see cref="EstimateOptions.Calibration"/>).
/// </summary>
public sealed record HostCalibration
{
    /// <summary>The host the figures belong to: CPU model, cores, ONNX Runtime and EdgeOpt versions. A cached calibration is used only on a host with the same fingerprint.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>When the kernels were timed.</summary>
    public required DateTimeOffset MeasuredAt { get; init; }

    /// <summary>Wall time the calibration took, in milliseconds.</summary>
    public required double DurationMs { get; init; }

    /// <summary>One entry per calibrated thread count (1 and ONNX Runtime's default), fewest threads first.</summary>
    public required IReadOnlyList<CalibrationPoint> Points { get; init; }

    /// <summary>The kernels, their shapes and how they were timed.</summary>
    public required string Method { get; init; }

    /// <summary>Whether these figures were read from the cache rather than measured by this process.</summary>
    [JsonIgnore]
    public bool FromCache { get; init; }

    /// <summary>The cache file the calibration was read from or written to; null when not cached.</summary>
    [JsonIgnore]
    public string? CachePath { get; init; }

    /// <summary>
    /// The figures for <paramref name="threads"/> threads: a calibrated point as measured, else interpolated (or
    /// extrapolated) linearly in the thread count between the calibrated points, never below half the smaller figure
    /// nor above the larger one times the thread ratio beyond the last point.
    /// </summary>
    public CalibrationPoint At(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (Points.Count == 0) ThrowHelper.InvalidOperation("the calibration holds no points");
        if (Points.FirstOrDefault(p => p.Threads == threads) is { } exact) return exact;
        var ordered = Points.OrderBy(p => p.Threads).ToList();
        var low = ordered.LastOrDefault(p => p.Threads < threads) ?? ordered[0];
        var high = ordered.FirstOrDefault(p => p.Threads > threads) ?? ordered[^1];
        if (low == high)
        {
            // Beyond the calibrated range: keep the measured per-thread scaling of the last step (or none with one point).
            var previous = ordered.Count > 1 ? ordered[^2] : low;
            return Blend(previous, low, threads);
        }
        return Blend(low, high, threads);
    }

    private static CalibrationPoint Blend(CalibrationPoint a, CalibrationPoint b, int threads)
    {
        double Mix(double x, double y)
        {
            if (a.Threads == b.Threads) return x;
            var t = (threads - a.Threads) / (double)(b.Threads - a.Threads);
            return x + (y - x) * t;
        }
        // Never below half the smaller calibrated figure, never above the larger one times the thread ratio beyond it.
        var beyond = Math.Max(1.0, threads / (double)Math.Max(a.Threads, b.Threads));
        double Bounded(double x, double y) => Math.Clamp(Mix(x, y), Math.Min(x, y) / 2, Math.Max(x, y) * beyond);
        var gops = a.GopsByOpClass.Keys.Intersect(b.GopsByOpClass.Keys).ToDictionary(k => k, k => Bounded(a.GopsByOpClass[k], b.GopsByOpClass[k]));
        return new CalibrationPoint(threads, gops,
            Bounded(a.BandwidthGBps, b.BandwidthGBps),
            Math.Max(Mix(a.NodeOverheadUs, b.NodeOverheadUs), 0),
            Math.Max(Mix(a.RunOverheadUs, b.RunOverheadUs), 0))
        { Interpolated = true };
    }

    /// <summary>One line: where, when, how long, and the headline figures per thread count.</summary>
    [JsonIgnore]
    public string Summary => Provenance + ": " + string.Join("; ", Points.Select(p => p.Describe()));

    /// <summary>"calibrated on this host from ORT kernels (fingerprint; when, how long)".</summary>
    [JsonIgnore]
    public string Provenance => string.Create(CultureInfo.InvariantCulture,
        $"calibrated on this host from ORT kernels ({Fingerprint}; {MeasuredAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC, {DurationMs / 1000:0.0} s{(FromCache ? ", cached" : "")})");
}

/// <summary>What ONNX Runtime reached on this host at one thread count.</summary>
/// <param name="Threads">Intra-op threads of the session.</param>
/// <param name="GopsByOpClass">Achieved GOPS (one MAC = 2 operations) per op class: <c>conv</c> (3×3), <c>pointwise-conv</c> (1×1), <c>depthwise-conv</c>, <c>matmul</c>, <c>elementwise</c>.</param>
/// <param name="BandwidthGBps">Bytes read and written per second by elementwise kernels (Add, Relu) on activations of typical size, in GB/s.</param>
/// <param name="NodeOverheadUs">Fixed cost of one more node in a run (scheduling, allocation), in µs.</param>
/// <param name="RunOverheadUs">Fixed cost of one session run on top of its nodes, in µs.</param>
public sealed record CalibrationPoint(int Threads, IReadOnlyDictionary<string, double> GopsByOpClass, double BandwidthGBps, double NodeOverheadUs, double RunOverheadUs)
{
    /// <summary>True when the figures were interpolated between calibrated thread counts, not measured at this one.</summary>
    public bool Interpolated { get; init; }

    /// <summary>The achieved GOPS of <paramref name="opClass"/>; elementwise for a class that was not calibrated.</summary>
    public double Gops(string opClass) =>
        GopsByOpClass.TryGetValue(opClass, out var g) ? g : GopsByOpClass.GetValueOrDefault("elementwise", GopsByOpClass.Values.Min());

    internal string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Threads} thread{(Threads == 1 ? "" : "s")}{(Interpolated ? " (interpolated)" : "")}: ") +
        string.Join(", ", GopsByOpClass.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:0.#}"))) +
        string.Create(CultureInfo.InvariantCulture, $" GOPS, elementwise {BandwidthGBps:0.#} GB/s, {NodeOverheadUs:0.0} µs per node, {RunOverheadUs:0.0} µs per run");
}
