using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>A source whose samples are produced on demand by a reader function; every file-backed source is one.</summary>
internal sealed class LazySampleSource(
    string description, int count, Func<int, IReadOnlyDictionary<string, Tensor>> read,
    IReadOnlyList<int>? labels = null, bool isRepresentative = true) : ISampleSource
{
    public string Description { get; } = description;
    public int Count { get; } = count;
    public bool IsRepresentative { get; } = isRepresentative;
    public IReadOnlyList<int>? Labels { get; } = labels;

    public IReadOnlyDictionary<string, Tensor> Read(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return read(index);
    }

    public override string ToString() => Description;
}
