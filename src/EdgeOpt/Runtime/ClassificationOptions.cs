namespace EdgeOpt.Runtime;

/// <summary>How <see cref="ModelEvaluator"/>'s batched classification mode feeds images to a model.</summary>
public sealed record ClassificationOptions
{
    public static ClassificationOptions Default { get; } = new();

    /// <summary>Images per run when the model's batch dimension is symbolic; a fixed batch dimension always wins.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Each uint8 pixel is multiplied by this before it is fed (default: to [0, 1]).</summary>
    public float PixelScale { get; init; } = 1f / 255f;

    /// <summary>The image input; null means the model's first input.</summary>
    public string? InputName { get; init; }

    /// <summary>The logits (or probabilities) output; null means the model's first output.</summary>
    public string? OutputName { get; init; }

    /// <summary>Untimed runs of the first batch before measuring, so one-time allocations do not count as latency.</summary>
    public int WarmupRuns { get; init; } = 1;

    /// <summary>Every problem with these options, all at once (empty: they can work); the batched <see cref="ModelEvaluator"/> refuses through it.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (BatchSize <= 0) problems.Add(new($"{{0}} {BatchSize}: expected a positive number of images per run", Name(nameof(BatchSize))));
        if (WarmupRuns < 0) problems.Add(new($"{{0}} {WarmupRuns}: expected 0 or more warm-up runs", Name(nameof(WarmupRuns))));
        return problems;

        static string Name(string member) => $"{nameof(ClassificationOptions)}.{member}";
    }
}
