using Xunit.Abstractions;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Runtime;
using static EdgeOpt.Tests.Quantization.DynamicQuantizerTests;

namespace EdgeOpt.Tests.Quantization;

public class Int4WeightQuantizerTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, long> Batch = new() { ["batch"] = 16 };

    /// <summary>x[batch,K] → MatMul(w[K,N]) → y.</summary>
    private static Model SingleMatMul(float[] weights, int k, int n)
    {
        var b = new GraphBuilder("matmul", 17);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("batch"), k);
        var y = b.Op("MatMul", [x, b.Initializer("w", weights, k, n)]);
        b.Output(y, "y", FloatType(Dim.Symbolic("batch"), n));
        return b.Build();
    }

    [Theory]
    [InlineData(32, true, 64)]
    [InlineData(32, false, 64)]
    [InlineData(64, true, 64)]
    [InlineData(128, false, 256)]
    public void Replaces_matmuls_with_matmulnbits_that_ort_runs_within_tolerance(int blockSize, bool symmetric, int inputs)
    {
        using var original = Mlp(inputs);
        using var model = original.Clone();

        var report = Int4WeightQuantizer.Quantize(model, new Int4QuantizationOptions { BlockSize = blockSize, Symmetric = symmetric });

        Assert.Equal(["MatMulNBits", "Add", "Relu", "MatMulNBits"], OpTypes(model));
        var fc1 = model.Graph.Nodes[0];
        Assert.Equal("com.microsoft", fc1.Domain);
        Assert.Equal(inputs, fc1.Attributes.GetInt("K", 0));
        Assert.Equal(128, fc1.Attributes.GetInt("N", 0));
        Assert.Equal(4, fc1.Attributes.GetInt("bits", 0));
        Assert.Equal(blockSize, fc1.Attributes.GetInt("block_size", 0));
        var blocks = (inputs + blockSize - 1) / blockSize;
        Assert.Equal([128L, blocks, blockSize / 2], fc1.Inputs[1]!.Initializer!.Dims);
        Assert.Equal(DataType.UInt8, fc1.Inputs[1]!.Initializer!.DataType);
        Assert.Equal(128 * blocks, fc1.Inputs[2]!.Initializer!.ElementCount);
        Assert.Equal(symmetric ? 3 : 4, fc1.Inputs.Count);
        Assert.DoesNotContain(model.Graph.Initializers, v => v.Name is "w1" or "w2");

        // Packed 4-bit weights plus a float scale per block: at most a fifth of the float weights, layer by layer.
        Assert.Equal(2, report.Quantized.Count);
        Assert.All(report.Quantized, q => Assert.True(q.QuantizedBytes <= 0.2 * q.FloatBytes, $"{q.NodeName}: {q.QuantizedBytes} of {q.FloatBytes} bytes"));

        var fidelity = ModelEquivalence.Compare(original, model, samples: 8, seed: 3, dims: Batch);
        output.WriteLine($"block {blockSize}, symmetric {symmetric}: cosine {fidelity.Outputs[0].Cosine:F6}, SQNR {fidelity.Outputs[0].SqnrDb:F1} dB, size ratio {report.SizeRatio:F4}");
        var minimumCosine = blockSize == 32 ? 0.99 : 0.98;
        Assert.All(fidelity.Outputs, o => Assert.True(o.Cosine >= minimumCosine, $"cosine {o.Cosine}"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Reproduces_weights_on_the_int4_grid_exactly(bool symmetric)
    {
        // Every block of 32 holds the levels -8..7 (times a power-of-two step that differs per block and column),
        // so the quantizer recovers the step as its scale and dequantization is exact: any layout mistake
        // (nibble order, block order, padding, zero-point packing) shows as a large error.
        const int k = 96, n = 5;
        var weights = new float[k * n];
        for (var row = 0; row < k; row++)
            for (var col = 0; col < n; col++)
            {
                var step = MathF.Pow(2, -((row / 32 + col) % 4));
                var level = (row * 7 + col * 3) % 16 - 8;
                weights[row * n + col] = step * level;
            }
        using var original = SingleMatMul(weights, k, n);
        using var model = original.Clone();

        Int4WeightQuantizer.Quantize(model, new Int4QuantizationOptions { Symmetric = symmetric });

        var fidelity = ModelEquivalence.Compare(original, model, samples: 3, dims: Batch);
        Assert.True(fidelity.MaxRelativeError <= 1e-5, $"max relative error {fidelity.MaxRelativeError}");
    }

    [Theory]
    [InlineData(100, 32)]
    [InlineData(40, 64)]
    public void Pads_k_that_is_not_a_multiple_of_the_block_size(int k, int blockSize)
    {
        using var original = SingleMatMul(Gaussian(k * 12, 9, 1 / MathF.Sqrt(k)), k, 12);
        using var model = original.Clone();

        Int4WeightQuantizer.Quantize(model, new Int4QuantizationOptions { BlockSize = blockSize });

        var node = Assert.Single(model.Graph.Nodes);
        var blocks = (k + blockSize - 1) / blockSize;
        Assert.Equal(k, node.Attributes.GetInt("K", 0));
        Assert.Equal([12L, blocks, blockSize / 2], node.Inputs[1]!.Initializer!.Dims);
        var fidelity = ModelEquivalence.Compare(original, model, samples: 4, dims: Batch);
        Assert.True(fidelity.Outputs[0].Cosine >= 0.99, $"cosine {fidelity.Outputs[0].Cosine}");
    }

    [Fact]
    public void Leaves_excluded_nodes_in_float()
    {
        using var original = Mlp();
        using var model = original.Clone();

        var report = Int4WeightQuantizer.Quantize(model, new Int4QuantizationOptions { ExcludedNodes = ["fc1"] });

        Assert.Equal(["MatMul", "Add", "Relu", "MatMulNBits"], OpTypes(model));
        Assert.Equal(DataType.Float, model.Graph.Nodes[0].Inputs[1]!.Initializer!.DataType);
        Assert.Equal(["fc2"], report.Quantized.Select(q => q.NodeName));
        Assert.True(ModelEquivalence.Compare(original, model, samples: 4, dims: Batch).Outputs[0].Cosine >= 0.99);
    }

    [Theory]
    [InlineData(48, 0, "block size must be a power of two from 16 to 256, not 48")]
    [InlineData(8, 0, "not 8")]
    [InlineData(32, 5, "accuracy level must be 0 to 4, not 5")]
    public void Rejects_invalid_options_and_leaves_the_model_untouched(int blockSize, int accuracyLevel, string expected)
    {
        using var model = Mlp();
        var before = model.ToBytes();

        var e = Assert.Throws<UsageException>(() =>
            Int4WeightQuantizer.Quantize(model, new Int4QuantizationOptions { BlockSize = blockSize, AccuracyLevel = accuracyLevel }));

        Assert.Contains(expected, e.Message);
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void Rejects_an_unknown_excluded_node()
    {
        using var model = Mlp();

        var e = Assert.Throws<UsageException>(() => Int4WeightQuantizer.Quantize(model, new Int4QuantizationOptions { ExcludedNodes = ["dense"] }));

        Assert.Contains("'dense'", e.Message);
        Assert.Equal(["MatMul", "Add", "Relu", "MatMul"], OpTypes(model));
    }

    [Fact]
    public void Rejects_a_model_with_nothing_to_quantize()
    {
        using var model = Mlp();

        var e = Assert.Throws<UsageException>(() => Int4WeightQuantizer.Quantize(model, new Int4QuantizationOptions { ExcludedNodes = ["fc1", "fc2"] }));

        Assert.StartsWith("no MatMul with constant float [K, N] weights to quantize to int4", e.Message);
    }
}
