using EdgeOpt.Onnx;

namespace EdgeOpt.Power.Internal;

/// <summary>
/// ResNet-50 v1.5 (torchvision's layout: the stride on the 3×3 conv of each bottleneck) built with
/// <see cref="GraphBuilder"/>, BatchNormalization folded into the convolutions as deployed graphs have it: 25.6 M
/// parameters, ~4.1 GMACs at 224×224. Weights are zeros: the energy estimate reads only shapes.
/// </summary>
internal static class ResNet50
{
    public static Model Build()
    {
        var b = new GraphBuilder("resnet50_v1_5", opset: 13);
        var x = b.Input("input", DataType.Float, 1, 3, 224, 224);
        x = Conv(b, x, 3, 64, 7, 2, 3, relu: true);
        x = b.Op("MaxPool", [x], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }));
        var channels = 64;
        foreach (var (blocks, width, stride) in new[] { (3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2) })
            for (var i = 0; i < blocks; i++)
            {
                var s = i == 0 ? stride : 1;
                var y = Conv(b, x, channels, width, 1, 1, 0, relu: true);
                y = Conv(b, y, width, width, 3, s, 1, relu: true);
                y = Conv(b, y, width, width * 4, 1, 1, 0, relu: false);
                var shortcut = i == 0 ? Conv(b, x, channels, width * 4, 1, s, 0, relu: false) : x;
                x = b.Op("Relu", [b.Op("Add", [y, shortcut])]);
                channels = width * 4;
            }
        x = b.Op("GlobalAveragePool", [x]);
        x = b.Op("Flatten", [x], ("axis", 1L));
        var w = b.Initializer(b.Fresh("fc_w"), new float[1000 * 2048], 1000, 2048);
        var bias = b.Initializer(b.Fresh("fc_b"), new float[1000], 1000);
        b.Output(b.Op("Gemm", [x, w, bias], ("transB", 1L)), "logits");
        return b.Build();
    }

    private static Value Conv(GraphBuilder b, Value x, int cin, int cout, int k, int stride, int pad, bool relu)
    {
        var w = b.Initializer(b.Fresh("w"), new float[cout * cin * k * k], cout, cin, k, k);
        var bias = b.Initializer(b.Fresh("b"), new float[cout], cout);
        var y = b.Op("Conv", [x, w, bias], ("kernel_shape", new long[] { k, k }), ("strides", new long[] { stride, stride }),
            ("pads", new long[] { pad, pad, pad, pad }));
        return relu ? b.Op("Relu", [y]) : y;
    }
}
