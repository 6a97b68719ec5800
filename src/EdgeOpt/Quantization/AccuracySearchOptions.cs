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
}
