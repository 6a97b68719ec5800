using EdgeOpt.Deployment;

namespace EdgeOpt.Sweep;

/// <summary>
/// The precision names a sweep file takes. Only those that need no data: a sweep has no calibration or labelled data
/// yet, and static INT8 or mixed precision calibrated on random inputs would measure ranges real inputs never see.
/// </summary>
internal static class SweepPrecisions
{
    /// <summary>Named as everywhere else in EdgeOpt (<see cref="CandidateCommand.Tag"/>): fp32, fp16, int8-dynamic, int4.</summary>
    public static IReadOnlyDictionary<string, CandidatePrecision> ByName { get; } =
        new[] { CandidatePrecision.Fp32, CandidatePrecision.Fp16, CandidatePrecision.Int8Dynamic, CandidatePrecision.Int4WeightOnly }
            .ToDictionary(CandidateCommand.Tag, p => p, StringComparer.OrdinalIgnoreCase);

    /// <summary>The file's name of <paramref name="precision"/> (what reports print).</summary>
    public static string Name(CandidatePrecision precision) => CandidateCommand.Tag(precision);
}
