using EdgeOpt.Data;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Transformer;

/// <summary>
/// Shared by the MiniLM tests: 300 evaluation sentences with their float32 embeddings, and 100 other sentences for
/// calibration (in memory, each at its own sequence length).
/// </summary>
public sealed class MiniLmReference
{
    public const int EvaluationCount = 300;
    public const int CalibrationCount = 100;

    public MiniLmReference()
    {
        (Evaluation, CalibrationSentences) = EnglishSentences.Split(EvaluationCount, CalibrationCount);
        using var embedder = new SentenceEmbedder(MiniLm.ModelPath, MiniLm.Tokenizer);
        Embeddings = embedder.Embed(Evaluation);
    }

    public IReadOnlyList<string> Evaluation { get; }

    public IReadOnlyList<string> CalibrationSentences { get; }

    /// <summary>Float32 sentence embeddings of <see cref="Evaluation"/>, L2-normalised.</summary>
    public IReadOnlyList<float[]> Embeddings { get; }

    /// <summary>The calibration sentences as model inputs (int64 [1, length], lengths differing).</summary>
    public ISampleSource Calibration() => new InMemorySampleSource(
        [.. CalibrationSentences.Select(s => (IReadOnlyDictionary<string, Tensor>)SentenceEmbedder.Sample(MiniLm.Tokenizer.Encode(s)))],
        description: $"{CalibrationCount} Debian README sentences");

    /// <summary>Per-sentence cosine between <paramref name="modelPath"/>'s embeddings and the float32 ones.</summary>
    public double[] Cosines(string modelPath)
    {
        using var embedder = new SentenceEmbedder(modelPath, MiniLm.Tokenizer);
        return [.. Evaluation.Select((s, i) => SentenceEmbedder.Cosine(Embeddings[i], embedder.Embed(s)))];
    }
}
