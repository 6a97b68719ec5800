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
}
