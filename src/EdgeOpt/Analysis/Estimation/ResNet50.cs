using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis.Estimation;

/// <summary>
/// ResNet-50 v1.5 (the MLPerf Inference reference model: torchvision's layout, stride 2 in the 3×3 conv of each
/// stage's first bottleneck) built with the IR at 1×3×224×224. Weights are zeros: an estimate needs only shapes. The reference model of the
/// published-measurement checks: latency (the estimation tests) and energy (<c>EdgeOpt.Power.PowerValidation</c>).
/// </summary>
internal static class ResNet50
{
    public static Model Build()
    {
        var b = new GraphBuilder("resnet50-v1.5", opset: 13);
        var x = b.Input("input", DataType.Float, 1, 3, 224, 224);
        var counter = 0;
        x = ConvBn(b, x, 3, 64, 7, 2, ref counter, relu: true);
        x = b.AddNode("MaxPool", [x], name: "pool1", attributes:
            [("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 })]).Outputs[0];
        var channels = 64;
        foreach (var (width, blocks, stride) in new[] { (64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2) })
        {
            for (var i = 0; i < blocks; i++)
            {
                var s = i == 0 ? stride : 1;
                var identity = x;
                var y = ConvBn(b, x, channels, width, 1, 1, ref counter, relu: true);
                y = ConvBn(b, y, width, width, 3, s, ref counter, relu: true);
                y = ConvBn(b, y, width, width * 4, 1, 1, ref counter, relu: false);
                if (i == 0) identity = ConvBn(b, x, channels, width * 4, 1, s, ref counter, relu: false);
                var sum = b.AddNode("Add", [y, identity], name: $"add{counter}").Outputs[0];
                x = b.AddNode("Relu", [sum], name: $"relu_add{counter}").Outputs[0];
                channels = width * 4;
            }
        }
        x = b.AddNode("GlobalAveragePool", [x], name: "gap").Outputs[0];
        x = b.AddNode("Flatten", [x], name: "flatten").Outputs[0];
        var w = b.Initializer("fc.W", new float[1000 * 2048], 1000, 2048);
        var bias = b.Initializer("fc.B", new float[1000], 1000);
        b.Output(b.AddNode("Gemm", [x, w, bias], name: "fc", attributes: [("transB", 1L)]).Outputs[0], "logits");
        return b.Build();
    }

    private static Value ConvBn(GraphBuilder b, Value x, int inChannels, int outChannels, int kernel, int stride, ref int counter, bool relu)
    {
        var id = counter++;
        var w = b.Initializer($"conv{id}.W", new float[outChannels * inChannels * kernel * kernel], outChannels, inChannels, kernel, kernel);
        var pad = kernel / 2;
        var y = b.AddNode("Conv", [x, w], name: $"conv{id}", attributes:
            [("kernel_shape", new long[] { kernel, kernel }), ("strides", new long[] { stride, stride }), ("pads", new long[] { pad, pad, pad, pad })]).Outputs[0];
        Value P(string name, float value) => b.Initializer($"bn{id}.{name}", Enumerable.Repeat(value, outChannels).ToArray(), outChannels);
        y = b.AddNode("BatchNormalization", [y, P("scale", 1), P("bias", 0), P("mean", 0), P("var", 1)], name: $"bn{id}").Outputs[0];
        return relu ? b.AddNode("Relu", [y], name: $"relu{id}").Outputs[0] : y;
    }
}
