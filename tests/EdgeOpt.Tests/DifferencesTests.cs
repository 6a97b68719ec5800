using EdgeOpt.Tests.Shared;
using Xunit.Sdk;

namespace EdgeOpt.Tests;

/// <summary>The comparison every output check goes through must not pass a NaN or a short output.</summary>
public sealed class DifferencesTests
{
    [Fact]
    public void Equal_outputs_differ_by_zero_and_a_real_difference_is_measured()
    {
        Assert.Equal(0.0, Differences.MaxAbs([1f, -2f, 3f], [1f, -2f, 3f]));
        Assert.Equal(0.5, Differences.MaxAbs([1f, -2f, 3f], [1f, -2.5f, 3f]), 12);
    }

    [Fact]
    public void A_nan_anywhere_is_an_infinite_difference()
    {
        Assert.Equal(double.PositiveInfinity, Differences.MaxAbs([1f, 2f, 3f], [1f, float.NaN, 3f]));
        Assert.Equal(double.PositiveInfinity, Differences.MaxAbs([float.NaN, 2f], [0f, 2f]));
    }

    [Fact]
    public void A_short_output_fails_instead_of_being_truncated()
    {
        var e = Assert.Throws<TrueException>(() => Differences.MaxAbs([1f, 2f, 3f], [1f, 2f]));
        Assert.Contains("output length 2, expected 3", e.Message, StringComparison.Ordinal);
    }
}
