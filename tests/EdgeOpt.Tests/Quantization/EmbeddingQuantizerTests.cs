using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Quantization;

/// <summary>
/// <see cref="EmbeddingQuantizer"/> on small models built here (the MiniLM tests cover a real one): every looked-up row
/// comes back from ORT's GatherBlockQuantized within the quantization step, and a small transformer-like encoder
/// nobody tuned for keeps its outputs through the <see cref="Quantizer"/> facade.
/// </summary>
public sealed class EmbeddingQuantizerTests(ITestOutputHelper output)
{
    private const int Vocabulary = 1000, Width = 96, Positions = 40;

    /// <summary>ids[1, seq] → Gather(table[1000, 96]) → rows: the table read back exactly as stored.</summary>
    private static Model Lookup(float[] table)
    {
        var b = new GraphBuilder("lookup", 17);
        var ids = b.Input("ids", DataType.Int64, 1, Dim.Symbolic("seq"));
        b.Output(b.Op("Gather", [b.Initializer("table", table, Vocabulary, Width), ids]), "rows");
        return b.Build();
    }

    /// <summary>
    /// A two-layer encoder: word + position embeddings (ids and positions are inputs), LayerNormalization, self-attention
    /// with one head (Q/K/V projections, softmax over Q·Kᵀ/√d), residual, a GELU-free ReLU feed-forward, LayerNormalization.
    /// </summary>
    internal static Model Encoder()
    {
        var b = new GraphBuilder("tiny_encoder", 17);
        var rng = new Random(11);
        var ids = b.Input("ids", DataType.Int64, 1, Dim.Symbolic("seq"));
        var positions = b.Input("positions", DataType.Int64, 1, Dim.Symbolic("seq"));
        var words = b.Op("Gather", [b.Initializer("word_embeddings", Gaussian(rng, Vocabulary * Width, 0.05f), Vocabulary, Width), ids]);
        var where = b.Op("Gather", [b.Initializer("position_embeddings", Gaussian(rng, Positions * Width, 0.02f), Positions, Width), positions]);
        var h = LayerNorm(b, rng, b.Op("Add", [words, where]));
        for (var layer = 0; layer < 2; layer++)
        {
            var q = Dense(b, rng, h, Width, Width);
            var k = Dense(b, rng, h, Width, Width);
            var v = Dense(b, rng, h, Width, Width);
            var scores = b.Op("Div", [b.Op("MatMul", [q, b.Op("Transpose", [k], ("perm", new long[] { 0, 2, 1 }))]), b.Initializer($"sqrt_d{layer}", new[] { MathF.Sqrt(Width) })]);
            var attended = b.Op("MatMul", [b.Op("Softmax", [scores], ("axis", -1L)), v]);
            h = LayerNorm(b, rng, b.Op("Add", [h, Dense(b, rng, attended, Width, Width)]));
            var ff = Dense(b, rng, b.Op("Relu", [Dense(b, rng, h, Width, 4 * Width)]), 4 * Width, Width);
            h = LayerNorm(b, rng, b.Op("Add", [h, ff]));
        }
        b.Output(h, "hidden");
        return b.Build();
    }

    private static Value Dense(GraphBuilder b, Random rng, Value x, int k, int n) =>
        b.Op("Add", [b.Op("MatMul", [x, b.Initializer(b.Fresh("w"), Gaussian(rng, k * n, 1 / MathF.Sqrt(k)), k, n)]),
            b.Initializer(b.Fresh("bias"), Gaussian(rng, n, 0.05f), n)]);

    private static Value LayerNorm(GraphBuilder b, Random rng, Value x) =>
        b.Op("LayerNormalization", [x, b.Initializer(b.Fresh("gamma"), Gaussian(rng, Width, 0.1f).Select(v => 1 + v).ToArray(), Width),
            b.Initializer(b.Fresh("beta"), Gaussian(rng, Width, 0.1f), Width)], ("axis", -1L));

    private static float[] Gaussian(Random rng, int count, float std) =>
        [.. Enumerable.Range(0, count).Select(_ => std * MathF.Sqrt(-2 * MathF.Log(1 - rng.NextSingle())) * MathF.Cos(2 * MathF.PI * rng.NextSingle()))];

    [Theory]
    [InlineData(8, 128, true)]
    [InlineData(8, 32, false)]
    [InlineData(4, 32, true)]
    [InlineData(4, 16, false)]
    public void Every_row_comes_back_from_ort_within_one_quantization_step(int bits, int blockSize, bool symmetric)
    {
        var table = Gaussian(new Random(3), Vocabulary * Width, 0.05f);
        table[17 * Width + 5] = 0.9f; // an outlier only its own block should pay for
        using var model = Lookup(table);

        var report = EmbeddingQuantizer.Quantize(model, new EmbeddingQuantizationOptions { Bits = bits, BlockSize = blockSize, Symmetric = symmetric });

        var node = Assert.Single(model.Graph.Nodes);
        Assert.Equal("rows", Assert.Single(model.Graph.Outputs).Name);
        Assert.Equal(("GatherBlockQuantized", "com.microsoft"), (node.OpType, node.Domain));
        var packed = node.Inputs[0]!.Initializer!;
        Assert.Equal(DataType.UInt8, packed.DataType);
        Assert.Equal([Vocabulary, bits == 8 ? Width : Width / 2], packed.Dims);
        var blocks = (Width + blockSize - 1) / blockSize;
        var scales = node.Inputs[2]!.Initializer!.ToSingleArray();
        Assert.Equal(Vocabulary * blocks, scales.Length);
        Assert.Equal(symmetric ? 3 : 4, node.Inputs.Count);
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name == "table");
        var quantized = Assert.Single(report.Quantized);
        Assert.Equal((Vocabulary, (long)Width), (quantized.K, quantized.N));
        Assert.InRange(report.SizeRatio, 0, bits == 8 ? 0.3 : 0.2);

        long[] ids = [.. Enumerable.Range(0, Vocabulary).Select(i => (long)i)];
        using var options = new SessionOptions();
        using var session = new InferenceSession(model.ToBytes(), options);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("ids", new DenseTensor<long>(ids, [1, ids.Length]))]);
        var rows = results[0].AsEnumerable<float>().ToArray();
        Assert.Equal(table.Length, rows.Length);
        var worst = 0.0;
        for (var i = 0; i < table.Length; i++)
        {
            var step = Math.Abs(scales[i / Width * blocks + i % Width / blockSize]);
            // Half a step from rounding; symmetric blocks may clip the value opposite the extreme by up to one step.
            var bound = (symmetric ? 1.0 : 0.5) * step + 1e-7;
            var error = Math.Abs(rows[i] - table[i]);
            Assert.True(error <= bound, $"element {i}: {rows[i]} vs {table[i]} (step {step:G3})");
            worst = Math.Max(worst, error / step);
        }
        output.WriteLine($"{bits}-bit, blocks of {blockSize}, {(symmetric ? "symmetric" : "asymmetric")}: worst error {worst:F3} steps, size ratio {report.SizeRatio:F3}");
        // The outlier's own block has a coarse step; a row without one keeps a fine step.
        Assert.True(Math.Abs(scales[17 * blocks]) > 4 * Math.Abs(scales[18 * blocks]));
    }

    [Theory]
    [InlineData(QuantizationType.Int8Dynamic, 0.3, 0.999)]
    [InlineData(QuantizationType.Int4, 0.2, 0.98)] // measured 0.987: 4-bit blocks of 32 throughout
    public void A_small_encoder_gets_its_embedding_tables_and_weights_quantized_and_ort_agrees(QuantizationType type, double maxSizeRatio, double minCosine)
    {
        using var model = Encoder();
        using var result = new Quantizer(new QuantizerOptions { Type = type, PerChannel = true }).Quantize(model);

        Assert.Equal(2, result.EmbeddingReport!.Quantized.Count);
        Assert.Equal(2, result.Model.Graph.Nodes.Count(n => n.OpType == "GatherBlockQuantized"));
        Assert.DoesNotContain(result.Model.Graph.Nodes, n => n.OpType is "Gather" or "MatMul" && n.Inputs.Any(i => i?.Initializer is { DataType: DataType.Float }));
        Assert.True(result.SizeRatio <= maxSizeRatio, $"size ratio {result.SizeRatio:F3}");
        var report = ModelEquivalence.Compare(model, result.Model, Inputs());
        output.WriteLine($"{type}: size {result.SizeRatio:F3}, cosine {report.Outputs[0].Cosine:F5}, max abs {report.MaxAbsError:G3}");
        Assert.InRange(report.Outputs[0].Cosine, minCosine, 1 + 1e-9);
    }

    [Fact]
    public void Static_int8_quantizes_the_tables_and_keeps_layernorm_softmax_and_residuals_float()
    {
        using var model = Encoder();
        var calibration = new InMemorySampleSource(Inputs(seed: 100));
        using var result = new Quantizer(new QuantizerOptions { Type = QuantizationType.Int8, PerChannel = true }).Quantize(model, calibration);

        Assert.Equal(2, result.EmbeddingReport!.Quantized.Count);
        var report = ModelEquivalence.Compare(model, result.Model, Inputs());
        output.WriteLine($"int8: size {result.SizeRatio:F3}, cosine {report.Outputs[0].Cosine:F5}");
        Assert.InRange(report.Outputs[0].Cosine, 0.995, 1 + 1e-9);
        Assert.Contains(result.ExcludedNodes, e => e.OpType == "Add" && e.Reason.Contains("not between quantized operators", StringComparison.Ordinal));
    }

    [Fact]
    public void Gather_as_an_excluded_operator_keeps_the_tables_float()
    {
        using var model = Encoder();
        using var result = new Quantizer(new QuantizerOptions { Type = QuantizationType.Int8Dynamic, ExcludedOpTypes = ["Gather"] }).Quantize(model);

        Assert.Empty(result.EmbeddingReport!.Quantized);
        Assert.Equal(2, result.Model.Graph.Nodes.Count(n => n.OpType == "Gather"));
    }

    [Theory]
    [InlineData(3, 128, "8 or 4 bits, not 3")]
    [InlineData(8, 24, "power of two from 16 to 256, not 24")]
    public void Bad_options_are_usage_errors_that_leave_the_model_untouched(int bits, int blockSize, string message)
    {
        using var model = Encoder();
        var before = model.ToBytes();

        var error = Assert.Throws<UsageException>(() => EmbeddingQuantizer.Quantize(model, new EmbeddingQuantizationOptions { Bits = bits, BlockSize = blockSize }));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.ToBytes());
    }

    private static List<IReadOnlyDictionary<string, Tensor>> Inputs(int seed = 0) =>
        [.. Enumerable.Range(0, 8).Select(i =>
        {
            var rng = new Random(seed + i);
            var length = 5 + rng.Next(Positions - 5);
            return (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor>
            {
                ["ids"] = Tensor.Create<long>("ids", [.. Enumerable.Range(0, length).Select(_ => (long)rng.Next(Vocabulary))], 1, length),
                ["positions"] = Tensor.Create<long>("positions", [.. Enumerable.Range(0, length).Select(p => (long)p)], 1, length),
            };
        })];
}
