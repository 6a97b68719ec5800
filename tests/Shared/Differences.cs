namespace EdgeOpt.Tests.Shared;

/// <summary>
/// Element-wise comparison of two outputs that cannot pass by accident: a length mismatch fails (Zip would silently
/// truncate) and a NaN anywhere counts as an infinite difference (LINQ's Max skips NaN, Math.Max is easy to misuse).
/// </summary>
internal static class Differences
{
    public static double MaxAbs(IReadOnlyList<float> expected, IReadOnlyList<float> actual)
    {
        Assert.True(expected.Count == actual.Count, $"output length {actual.Count}, expected {expected.Count}");
        var max = 0.0;
        for (var i = 0; i < expected.Count; i++)
        {
            var difference = Math.Abs((double)expected[i] - actual[i]);
            if (double.IsNaN(difference))
                return double.PositiveInfinity;
            max = Math.Max(max, difference);
        }
        return max;
    }

    /// <summary>The mean absolute difference, with the same rules: lengths must match, a NaN makes it infinite.</summary>
    public static double MeanAbs(IReadOnlyList<float> expected, IReadOnlyList<float> actual)
    {
        Assert.True(expected.Count == actual.Count, $"output length {actual.Count}, expected {expected.Count}");
        Assert.True(expected.Count > 0, "no outputs to compare");
        var sum = 0.0;
        for (var i = 0; i < expected.Count; i++)
        {
            var difference = Math.Abs((double)expected[i] - actual[i]);
            if (double.IsNaN(difference))
                return double.PositiveInfinity;
            sum += difference;
        }
        return sum / expected.Count;
    }
}
