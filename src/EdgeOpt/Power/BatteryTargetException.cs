namespace EdgeOpt.Power;

/// <summary>
/// No candidate meets the battery constraints. The message is one line with the best achievable battery life
/// (<c>battery target 40 h cannot be met: best is 23.4 h (int8 on the NPU, battery-saver)</c>). Maps to CLI exit code 3.
/// </summary>
public sealed class BatteryTargetException : EdgeOptException
{
    public BatteryTargetException(string message) : base(message) { }
    public BatteryTargetException(string message, Exception inner) : base(message, inner) { }
    public BatteryTargetException() { }

    /// <summary>The target asked for, in hours.</summary>
    public double TargetHours { get; init; }

    /// <summary>The longest battery life any candidate reaches at the rate (null: none meets the rate).</summary>
    public double? BestHours { get; init; }

    /// <summary>The candidate that reaches <see cref="BestHours"/>.</summary>
    public BatteryCandidate? Best { get; init; }

    /// <summary>Every candidate weighed, with its rejections.</summary>
    public IReadOnlyList<BatteryCandidate> Candidates { get; init; } = [];
}
