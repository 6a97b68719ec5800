using System.Globalization;
using EdgeOpt.Onnx;

namespace EdgeOpt.DemoTrainer;

/// <summary>
/// Builds fashion-cnn.onnx from the weights file with EdgeOpt's <see cref="GraphBuilder"/>: opset 13, IR 7,
/// input "input" float[N,1,28,28] (pixel/255), output "logits" float[N,10]. BatchNormalization stays a separate
/// inference-mode node (running statistics) so the optimizer's Conv+BN fusion has something to do.
/// </summary>
internal static class OnnxExport
{
    public const long Opset = 13;

    public static void Write(WeightsFile weights, string path)
    {
        using var model = Build(weights);
        model.Save(path);
    }

    public static Model Build(WeightsFile weights)
    {
        var inv = CultureInfo.InvariantCulture;
        var epsilon = (float)double.Parse(weights.Metadata["bn_epsilon"], inv);
        var b = new GraphBuilder("fashion_cnn", opset: Opset, irVersion: 7)
        {
            ProducerName = "EdgeOpt.DemoTrainer",
            DocString = DocString(weights),
        };

        var x = b.Input("input", DataType.Float, Dim.Symbolic("N"), 1, 28, 28);
        for (var block = 1; block <= 3; block++)
        {
            var conv = $"conv{block}";
            var bn = $"bn{block}";
            x = b.AddNode("Conv", [x, Init(b, weights, $"{conv}.weight"), Init(b, weights, $"{conv}.bias")], name: conv, outputNames: [$"{conv}_out"],
                attributes: [("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }), ("strides", new long[] { 1, 1 })]).Outputs[0];
            x = b.AddNode("BatchNormalization",
                [x, Init(b, weights, $"{bn}.weight"), Init(b, weights, $"{bn}.bias"), Init(b, weights, $"{bn}.running_mean"), Init(b, weights, $"{bn}.running_var")],
                name: bn, outputNames: [$"{bn}_out"], attributes: [("epsilon", epsilon)]).Outputs[0];
            x = b.AddNode("Relu", [x], name: $"relu{block}", outputNames: [$"relu{block}_out"]).Outputs[0];
            x = b.AddNode("MaxPool", [x], name: $"pool{block}", outputNames: [$"pool{block}_out"],
                attributes: [("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })]).Outputs[0];
        }

        x = b.AddNode("Flatten", [x], name: "flatten", outputNames: ["flatten_out"], attributes: [("axis", 1L)]).Outputs[0];
        x = b.AddNode("Gemm", [x, Init(b, weights, "fc1.weight"), Init(b, weights, "fc1.bias")], name: "fc1", outputNames: ["fc1_out"],
            attributes: [("transB", 1L)]).Outputs[0];
        x = b.AddNode("Relu", [x], name: "relu4", outputNames: ["relu4_out"]).Outputs[0];
        x = b.AddNode("Gemm", [x, Init(b, weights, "fc2.weight"), Init(b, weights, "fc2.bias")], name: "fc2", outputNames: ["logits"],
            attributes: [("transB", 1L)]).Outputs[0];
        b.Output(x, type: new TensorType(DataType.Float, new TensorShape(Dim.Symbolic("N"), 10)));

        var model = b.Build();
        model.ProducerVersion = "1.0";
        model.ModelVersion = 1;
        foreach (var key in new[] { "parameters", "epochs", "batch_size", "learning_rate", "seed", "torch_test_accuracy", "torch_test1000_accuracy" })
        {
            if (weights.Metadata.TryGetValue(key, out var value))
            {
                model.MetadataProps.Add(new(key, value));
            }
        }

        model.MetadataProps.Add(new("dataset", "Fashion-MNIST (Debian package dataset-fashion-mnist)"));
        model.MetadataProps.Add(new("input_scaling", "pixel / 255, no mean/std normalization"));
        model.MetadataProps.Add(new("labels", "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot"));
        return model;
    }

    private static Value Init(GraphBuilder b, WeightsFile weights, string name)
    {
        var t = weights[name];
        return b.Initializer(Tensor.Create(name, t.Data.AsSpan(), t.Dims));
    }

    private static string DocString(WeightsFile weights)
    {
        var m = weights.Metadata;
        var inv = CultureInfo.InvariantCulture;
        var acc = double.Parse(m["torch_test_accuracy"], inv);
        return string.Create(inv,
            $"EdgeOpt demo model: a small CNN classifying Fashion-MNIST 28x28 grayscale images into 10 classes. " +
            $"Input 'input' float[N,1,28,28] = pixel/255 (no further normalization); output 'logits' float[N,10] (no softmax). " +
            $"Architecture: {m["architecture"]}; {m["parameters"]} parameters; BatchNormalization kept unfused (inference mode, running statistics). " +
            $"Trained with TorchSharp {m["torchsharp_version"]} on CPU: {m["epochs"]} epochs over the 60,000 training images, Adam (lr {m["learning_rate"]}, cosine schedule), " +
            $"batch {m["batch_size"]}, cross-entropy, seed {m["seed"]}, no augmentation. " +
            $"Top-1 accuracy on the official 10,000-image test split: {100 * acc:F2}%. Built by tools/EdgeOpt.DemoTrainer.");
    }
}
