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

    /// <summary>Every problem with these options, all at once (empty: they can work); <see cref="ModelEvaluator.Evaluate(Model, Data.ISampleSource, EvaluationOptions?, IProgress{int}?, CancellationToken)"/> refuses through it.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (Samples is <= 0) problems.Add(new($"{{0}} must be positive, not {Samples}", Name(nameof(Samples))));
        return problems;
    }

    /// <summary>
    /// The problem when neither <see cref="Labels"/> nor <see cref="Reference"/> is given and <paramref name="data"/> has no
    /// labels of its own: there is nothing to measure.
    /// </summary>
    internal static OptionProblem NothingToMeasure(string data) =>
        new($"nothing to measure on {data}: give labels or a reference model ({{0}} for accuracy, {{1}} for fidelity)", Name(nameof(Labels)), Name(nameof(Reference)));

    private static string Name(string member) => $"{nameof(EvaluationOptions)}.{member}";
}
