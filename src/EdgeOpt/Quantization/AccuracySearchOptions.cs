using EdgeOpt.Runtime;

namespace EdgeOpt.Quantization;

/// <summary>How <see cref="AccuracySearch"/> measures and how long it may take.</summary>
public sealed record AccuracySearchOptions
{
    /// <summary>Stop after this much time (checked between evaluations) and return the best model so far; null: no limit.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>Evaluate on the first this many samples (null: all).</summary>
    public int? Samples { get; init; }

    /// <summary>Class labels of the evaluation samples; overrides the data's own. Without any, accuracy is agreement with the float model.</summary>
    public IReadOnlyList<int>? Labels { get; init; }

    /// <summary>ONNX Runtime session settings for every evaluation (null: <see cref="SessionSettings.Default"/>).</summary>
    public SessionSettings? Settings { get; init; }

    /// <summary>Every problem with these options: a time budget and a sample count must be positive.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (TimeBudget is { } budget && budget <= TimeSpan.Zero)
            problems.Add(new(FormattableString.Invariant($"{{0}} {budget.TotalSeconds} s: expected a positive number of seconds"), $"{nameof(AccuracySearchOptions)}.{nameof(TimeBudget)}"));
        if (Samples is <= 0) problems.Add(new($"{{0}} {Samples}: expected a positive number", $"{nameof(AccuracySearchOptions)}.{nameof(Samples)}"));
        return problems;
    }
}
