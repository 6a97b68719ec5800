using EdgeOpt.Onnx;
using Tensor = EdgeOpt.Onnx.Tensor;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Tests.Transformer;

/// <summary>
/// Sentence embeddings as sentence-transformers computes them for all-MiniLM-L6-v2: tokenize, run one sentence at a
/// time (its own sequence length, no padding), mean-pool the token embeddings over the attention mask, L2-normalise.
/// </summary>
internal sealed class SentenceEmbedder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;

    public SentenceEmbedder(string modelPath, BertTokenizer tokenizer, int threads = 1)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        _session = new InferenceSession(modelPath, options);
        _tokenizer = tokenizer;
    }

    public float[] Embed(string sentence)
    {
        var ids = _tokenizer.Encode(sentence);
        using var results = _session.Run(Inputs(ids));
        var tokens = results.First(r => r.Name == MiniLm.TokenEmbeddingsOutput).AsTensor<float>();
        var hidden = tokens.Dimensions[2];
        var embedding = new float[hidden];
        for (var t = 0; t < ids.Length; t++) // attention mask is all ones: every token counts
            for (var h = 0; h < hidden; h++) embedding[h] += tokens[0, t, h];
        var norm = MathF.Sqrt(embedding.Sum(v => v * v));
        for (var h = 0; h < hidden; h++) embedding[h] /= MathF.Max(norm, 1e-12f);
        return embedding;
    }

    public List<float[]> Embed(IEnumerable<string> sentences) => [.. sentences.Select(Embed)];

    /// <summary>The three int64 [1, length] model inputs for one tokenized sentence.</summary>
    public static List<NamedOnnxValue> Inputs(long[] ids) =>
    [
        NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, [1, ids.Length])),
        NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, ids.Length).ToArray(), [1, ids.Length])),
        NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[ids.Length], [1, ids.Length])),
    ];

    /// <summary>The same inputs as EdgeOpt tensors, for in-memory calibration sources.</summary>
    public static Dictionary<string, Tensor> Sample(long[] ids) => new(StringComparer.Ordinal)
    {
        ["input_ids"] = Tensor.Create<long>("input_ids", ids, 1, ids.Length),
        ["attention_mask"] = Tensor.Create<long>("attention_mask", Enumerable.Repeat(1L, ids.Length).ToArray(), 1, ids.Length),
        ["token_type_ids"] = Tensor.Create<long>("token_type_ids", new long[ids.Length], 1, ids.Length),
    };

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        if (a.Length != b.Length) throw new ArgumentException($"embedding lengths differ: {a.Length} vs {b.Length}");
        for (var i = 0; i < a.Length; i++)
        {
            if (!float.IsFinite(a[i]) || !float.IsFinite(b[i])) return double.NaN;
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    public void Dispose() => _session.Dispose();
}
