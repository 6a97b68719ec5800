using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Benchmarking;

public sealed class LatencyStatisticsTests
{
    [Fact]
    public void Percentiles_interpolate_like_numpy_and_std_is_the_sample_deviation()
    {
        // numpy.percentile([1..10], [50, 90, 99]) = 5.5, 9.1, 9.91; numpy.std(ddof=1) = 3.0276503540974917
        var samples = Enumerable.Range(1, 10).Select(i => (double)i).Reverse().ToArray();

        var s = LatencyStatistics.From(samples);

        Assert.Equal(10, s.Count);
        Assert.Equal(5.5, s.Mean, 12);
        Assert.Equal(5.5, s.P50, 12);
        Assert.Equal(9.1, s.P90, 12);
        Assert.Equal(9.91, s.P99, 12);
        Assert.Equal(1, s.Min);
        Assert.Equal(10, s.Max);
        Assert.Equal(3.0276503540974917, s.StdDev, 12);
    }

    [Fact]
    public void A_single_sample_is_every_statistic()
    {
        var s = LatencyStatistics.From([2.5]);

        Assert.Equal(2.5, s.P99);
        Assert.Equal(0, s.StdDev);
    }
}
