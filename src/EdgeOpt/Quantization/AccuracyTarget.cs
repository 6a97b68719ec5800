namespace EdgeOpt.Quantization;

/// <summary>The accuracy <see cref="AccuracySearch"/> must reach; set exactly one of the two.</summary>
public sealed record AccuracyTarget
{
    /// <summary>The lowest acceptable accuracy, in percent (0 to 100).</summary>
    public double? MinAccuracy { get; init; }

    /// <summary>The largest acceptable loss against the float model, in percentage points (0 to 100).</summary>
    public double? MaxAccuracyDrop { get; init; }

    /// <summary>The accuracy (percent) a model must reach, given the float model's.</summary>
    internal double Required(double floatAccuracy) => MinAccuracy ?? floatAccuracy - MaxAccuracyDrop!.Value;

    /// <summary>Throws <see cref="UsageException"/> unless exactly one bound is set and it lies in [0, 100].</summary>
    internal void Validate()
    {
        if (MinAccuracy is null == MaxAccuracyDrop is null)
            ThrowHelper.Usage(MinAccuracy is null
                ? "no accuracy target: give a minimum accuracy or a maximum accuracy drop"
                : "give a minimum accuracy or a maximum accuracy drop, not both");
        if (MinAccuracy is { } min && !(min is >= 0 and <= 100))
            ThrowHelper.Usage($"minimum accuracy must be a percentage from 0 to 100, not {min}");
        if (MaxAccuracyDrop is { } drop && !(drop is >= 0 and <= 100))
            ThrowHelper.Usage($"maximum accuracy drop must be from 0 to 100 percentage points, not {drop}");
    }

    public override string ToString() => MinAccuracy is { } min ? $"accuracy >= {min}%" : $"accuracy drop <= {MaxAccuracyDrop} points";
}
