namespace EdgeOpt.Quantization;

/// <summary>The accuracy <see cref="AccuracySearch"/> must reach; set exactly one of the two (<see cref="Validate"/>).</summary>
public sealed record AccuracyTarget
{
    /// <summary>The lowest acceptable accuracy, in percent (0 to 100).</summary>
    public double? MinAccuracy { get; init; }

    /// <summary>The largest acceptable loss against the float model, in percentage points (0 to 100).</summary>
    public double? MaxAccuracyDrop { get; init; }

    /// <summary>The accuracy (percent) a model must reach, given the float model's.</summary>
    internal double Required(double floatAccuracy) => MinAccuracy ?? floatAccuracy - MaxAccuracyDrop!.Value;

    /// <summary>Every problem with this target: exactly one bound must be set, within [0, 100].</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        const string min = $"{nameof(AccuracyTarget)}.{nameof(MinAccuracy)}", drop = $"{nameof(AccuracyTarget)}.{nameof(MaxAccuracyDrop)}";
        var problems = new List<OptionProblem>();
        if (MinAccuracy is null && MaxAccuracyDrop is null) problems.Add(new("no accuracy target: give {0} or {1}", min, drop));
        if (MinAccuracy is not null && MaxAccuracyDrop is not null) problems.Add(new("give either {0} or {1}, not both", min, drop));
        if (MinAccuracy is { } m && !(m is >= 0 and <= 100))
            problems.Add(new(FormattableString.Invariant($"{{0}} {m}: expected a top-1 accuracy in percent, 0 to 100, not {m}"), min));
        if (MaxAccuracyDrop is { } d && !(d is >= 0 and <= 100))
            problems.Add(new(FormattableString.Invariant($"{{0}} {d}: expected percentage points, 0 to 100, not {d}"), drop));
        return problems;
    }

    public override string ToString() => MinAccuracy is { } min ? $"accuracy >= {min}%" : $"accuracy drop <= {MaxAccuracyDrop} points";
}
