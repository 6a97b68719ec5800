using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>Samples already in memory (tests, or data produced by code), optionally with labels.</summary>
public sealed class InMemorySampleSource : ISampleSource
{
    private readonly IReadOnlyList<IReadOnlyDictionary<string, Tensor>> _samples;

    public InMemorySampleSource(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples, IReadOnlyList<int>? labels = null,
        string description = "<memory>", bool isRepresentative = true)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (labels is not null && labels.Count != samples.Count)
            ThrowHelper.Argument($"{description}: {labels.Count} labels for {samples.Count} samples", nameof(labels));
        _samples = samples;
        Labels = labels;
        Description = description;
        IsRepresentative = isRepresentative;
    }

    public string Description { get; }
    public int Count => _samples.Count;
    public bool IsRepresentative { get; }
    public IReadOnlyList<int>? Labels { get; }

    public IReadOnlyDictionary<string, Tensor> Read(int index) => _samples[index];
}
