using EdgeOpt.Deployment;

namespace EdgeOpt.Sweep;

/// <summary>
/// The precision names a sweep file takes. Only those that need no data: a sweep has no calibration or labelled data
/// yet, and static INT8 or mixed precision calibrated on random inputs would measure ranges real inputs never see.
/// </summary>
internal static class SweepPrecisions
{
    public static IReadOnlyDictionary<string, CandidatePrecision> ByName { get; } = new Dictionary<string, CandidatePrecision>(StringComparer.OrdinalIgnoreCase)
    {
        ["fp32"] = CandidatePrecision.Fp32,
        ["fp16"] = CandidatePrecision.Fp16,
        ["int8-dynamic"] = CandidatePrecision.Int8Dynamic,
        ["int4"] = CandidatePrecision.Int4WeightOnly,
    };

    /// <summary>The file's name of <paramref name="precision"/> (what reports print).</summary>
    public static string Name(CandidatePrecision precision) =>
        ByName.FirstOrDefault(p => p.Value == precision).Key ?? precision.ToString();
}
