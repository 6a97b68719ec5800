using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>
/// A finite set of model input samples (calibration or evaluation data), read one at a time so memory stays bounded
/// however large the set is. Reading the same index twice gives the same tensors; sources can be enumerated again.
/// </summary>
public interface ISampleSource
{
    /// <summary>What the data is, for summaries and messages (e.g. <c>"photos/ (100 images, imagenet preset)"</c>).</summary>
    string Description { get; }

    /// <summary>How many samples there are.</summary>
    int Count { get; }

    /// <summary>False for synthetic data (random inputs): ranges and accuracy from it say little about real inputs.</summary>
    bool IsRepresentative { get; }

    /// <summary>One class label per sample when the source carries them (class sub-folders, IDX labels), else null.</summary>
    IReadOnlyList<int>? Labels { get; }

    /// <summary>Sample <paramref name="index"/>: model input name → tensor (batch dimension 1 where the model has one).</summary>
    /// <exception cref="DataFormatException">The sample cannot be read (the message names the file).</exception>
    IReadOnlyDictionary<string, Tensor> Read(int index);
}
