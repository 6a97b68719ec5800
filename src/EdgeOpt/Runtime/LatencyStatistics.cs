namespace EdgeOpt.Runtime;

/// <summary>
/// Summary of latency samples in milliseconds. Percentiles interpolate linearly between the closest ranks (NumPy's
/// default); <see cref="StdDev"/> is the sample standard deviation (n − 1).
/// </summary>
public sealed record LatencyStatistics(int Count, double Mean, double StdDev, double Min, double P50, double P90, double P99, double Max)
{
    /// <summary>Summarizes <paramref name="samplesMs"/> (at least one).</summary>
    public static LatencyStatistics From(IReadOnlyList<double> samplesMs)
    {
        ArgumentNullException.ThrowIfNull(samplesMs);
        if (samplesMs.Count == 0) throw new ArgumentException("no latency samples", nameof(samplesMs));
        var sorted = samplesMs.Order().ToArray();
        var mean = sorted.Average();
        var variance = sorted.Length > 1 ? sorted.Sum(s => (s - mean) * (s - mean)) / (sorted.Length - 1) : 0;
        return new LatencyStatistics(sorted.Length, mean, Math.Sqrt(variance), sorted[0],
            Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 99), sorted[^1]);
    }

    /// <summary>The <paramref name="percent"/> percentile of ascending <paramref name="sorted"/>.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0) throw new ArgumentException("no samples", nameof(sorted));
        var rank = percent / 100 * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Count - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }
}
