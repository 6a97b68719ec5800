using EdgeOpt.Onnx;

namespace EdgeOpt.Runtime;

/// <summary>What <see cref="ModelEvaluator"/> measures besides latency: accuracy against labels, fidelity against a reference, or both.</summary>
public sealed record EvaluationOptions
{
    /// <summary>A model to compare every output with (usually the float original); also timed.</summary>
    public Model? Reference { get; init; }

    /// <summary>One class label per sample; overrides the data's own labels. Covers either the evaluated samples or the whole source.</summary>
    public IReadOnlyList<int>? Labels { get; init; }

    /// <summary>Evaluate only the first this many samples (null: all).</summary>
    public int? Samples { get; init; }

    /// <summary>How the ONNX Runtime sessions are configured (null: <see cref="SessionSettings.Default"/>).</summary>
    public SessionSettings? Settings { get; init; }

    /// <summary>The class-score output accuracy is read from (null: the model's first output).</summary>
    public string? OutputName { get; init; }
}
