using EdgeOpt.Onnx;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// A transformer-like encoder built with <see cref="GraphBuilder"/> for the estimator's calibration: no embedding,
/// input [1, seq, hidden]; per layer 4-head self-attention (MatMul + Add projections, Q·Kᵀ, scale, Softmax, ·V),
/// output projection, Add + LayerNormalization, a Relu MLP of 4× hidden, Add + LayerNormalization. Random weights.
/// </summary>
internal static class TransformerModel
{
    public static Model Build(int layers = 4, int seq = 128, int hidden = 256, int heads = 4, int seed = 7)
    {
        var random = new Random(seed);
        var b = new GraphBuilder("transformer-like", opset: 17);
        var headSize = hidden / heads;
        var x = b.Input("x", DataType.Float, 1, seq, hidden);
        var splitShape = b.Initializer("split_shape", new long[] { 1, seq, heads, headSize }, 4);
        var mergeShape = b.Initializer("merge_shape", new long[] { 1, seq, hidden }, 3);
        var scale = b.Initializer("scale", new[] { 1f / MathF.Sqrt(headSize) }, 1);
        for (var l = 0; l < layers; l++)
        {
            Value Dense(Value input, int inSize, int outSize, string name) => b.Op("Add",
            [
                b.Op("MatMul", [input, b.Initializer($"{name}.w", Weights(random, inSize * outSize, inSize), inSize, outSize)]),
                b.Initializer($"{name}.b", Weights(random, outSize, inSize), outSize),
            ]);
            Value Heads(Value v, long[] perm) => b.Op("Transpose", [b.Op("Reshape", [v, splitShape])], ("perm", perm));

            var q = Heads(Dense(x, hidden, hidden, $"l{l}.q"), [0, 2, 1, 3]);
            var k = Heads(Dense(x, hidden, hidden, $"l{l}.k"), [0, 2, 3, 1]);
            var v = Heads(Dense(x, hidden, hidden, $"l{l}.v"), [0, 2, 1, 3]);
            var probabilities = b.Op("Softmax", [b.Op("Mul", [b.Op("MatMul", [q, k]), scale])], ("axis", -1L));
            var context = b.Op("Reshape", [b.Op("Transpose", [b.Op("MatMul", [probabilities, v])], ("perm", new long[] { 0, 2, 1, 3 })), mergeShape]);
            var attended = LayerNorm(b, b.Op("Add", [x, Dense(context, hidden, hidden, $"l{l}.o")]), hidden, $"l{l}.ln1");
            var mlp = Dense(b.Op("Relu", [Dense(attended, hidden, 4 * hidden, $"l{l}.fc1")]), 4 * hidden, hidden, $"l{l}.fc2");
            x = LayerNorm(b, b.Op("Add", [attended, mlp]), hidden, $"l{l}.ln2");
        }
        b.Output(x, "y");
        return b.Build();
    }

    private static Value LayerNorm(GraphBuilder b, Value x, int hidden, string name) => b.Op("LayerNormalization",
        [x, b.Initializer($"{name}.g", Enumerable.Repeat(1f, hidden).ToArray(), hidden), b.Initializer($"{name}.b", new float[hidden], hidden)],
        ("axis", -1L));

    // Scaled like a trained layer (variance 1/fan-in) so activations stay in range through the layers.
    private static float[] Weights(Random random, int count, int fanIn)
    {
        var values = new float[count];
        var s = 1 / MathF.Sqrt(fanIn);
        for (var i = 0; i < count; i++) values[i] = (random.NextSingle() * 2 - 1) * s;
        return values;
    }
}
