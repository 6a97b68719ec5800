using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Tests.Onnx;

public class GraphBuilderTests
{
    [Fact]
    public void Built_conv_model_runs_in_onnx_runtime_with_hand_computed_result()
    {
        var b = new GraphBuilder("conv", opset: 17);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 1, 3, 3);
        // 2x2 kernel of ones plus bias 0.5: each output is the sum of a 2x2 window + 0.5.
        var w = b.Initializer("w", new float[] { 1, 1, 1, 1 }, 1, 1, 2, 2);
        var bias = b.Initializer("b", new float[] { 0.5f }, 1);
        var y = b.Op("Conv", [x, w, bias], ("kernel_shape", new long[] { 2, 2 }));
        b.Output(b.Op("Relu", [y]), "y", new TensorType(DataType.Float, new TensorShape(Dim.Symbolic("N"), 1, 2, 2)));
        using var model = b.Build();

        var output = RunSingle(model.ToBytes(), "x", [1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);

        Assert.Equal(new[] { 12.5f, 16.5f, 24.5f, 28.5f }, output);
    }

    [Fact]
    public void Fresh_names_are_unique_and_duplicates_are_refused()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 4);
        var a = b.Op("Relu", [x]);
        var c = b.Op("Relu", [a]);
        Assert.NotEqual(a.Name, c.Name);
        Assert.Throws<ArgumentException>(() => b.Input("x", DataType.Float, 4));
    }

    internal static float[] RunSingle(byte[] model, string input, float[] data, int[] dims)
    {
        using var session = new InferenceSession(model);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input, new DenseTensor<float>(data, dims))]);
        return results.First().AsEnumerable<float>().ToArray();
    }
}
