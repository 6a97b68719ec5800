using System.Net.Http.Headers;
using EdgeOpt.Progressive;
using EdgeOpt.Progressive.Loading;

namespace EdgeOpt.Tests.Progressive;

public class RetryPolicyTests
{
    private static readonly LoaderOptions Options = new() { RetryDelay = TimeSpan.FromMilliseconds(100), MaxRetryWait = TimeSpan.FromSeconds(2) };

    [Theory]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(5, 1600)]
    [InlineData(6, 2000)]
    [InlineData(1000, 2000)]
    public void The_delay_doubles_per_failed_attempt_up_to_the_cap(int failed, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), RetryPolicy.Wait(Options, failed, retryAfter: null));

    [Fact]
    public void Retry_after_wins_over_a_shorter_back_off_but_not_over_the_cap()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), RetryPolicy.Wait(Options, 1, TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromMilliseconds(400), RetryPolicy.Wait(Options, 3, TimeSpan.FromMilliseconds(10)));
        Assert.Equal(TimeSpan.FromSeconds(2), RetryPolicy.Wait(Options, 1, TimeSpan.FromHours(1)));
        Assert.Equal(TimeSpan.Zero, RetryPolicy.Wait(Options with { MaxRetryWait = TimeSpan.Zero }, 1, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Retry_after_is_read_in_seconds_or_as_a_date_on_429_and_503_only()
    {
        var now = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(7), RetryPolicy.RetryAfter(503, new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)), now));
        Assert.Equal(TimeSpan.FromSeconds(90), RetryPolicy.RetryAfter(429, new RetryConditionHeaderValue(now.AddSeconds(90)), now));
        Assert.Equal(TimeSpan.Zero, RetryPolicy.RetryAfter(503, new RetryConditionHeaderValue(now.AddSeconds(-90)), now));
        Assert.Null(RetryPolicy.RetryAfter(500, new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)), now));
        Assert.Null(RetryPolicy.RetryAfter(503, null, now));
    }
}
