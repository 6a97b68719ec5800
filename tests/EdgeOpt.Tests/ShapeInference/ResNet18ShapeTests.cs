using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;
using static EdgeOpt.Onnx.ShapeInference;

namespace EdgeOpt.Tests.ShapeInference;

public class ResNet18ShapeTests
{
    [Fact]
    public void Every_node_output_gets_a_static_shape_and_the_output_matches_onnx_runtime()
    {
        using var model = Model.Load(Fixtures.ResNet18);
        var output = model.Graph.Outputs[0];
        var nodeOutputs = model.Graph.Nodes.SelectMany(n => n.Outputs).Where(o => o.Name.Length > 0).ToList();
        foreach (var o in nodeOutputs) o.Type = null; // the export carries value_info; derive everything instead
        var r = Infer(model);

        Assert.True(r.IsComplete, string.Join("; ", r.Unresolved));
        var notStatic = nodeOutputs.Where(o => o.Shape is not { IsStatic: true }).Select(o => o.Name).ToList();
        Assert.True(notStatic.Count == 0, "not static: " + string.Join(", ", notStatic));
        Assert.Equal(nodeOutputs.Count, r.InferredCount);

        using var session = new InferenceSession(Fixtures.ResNet18);
        var input = session.InputMetadata.Single();
        var dims = input.Value.Dimensions.Select(d => (long)Math.Max(d, 1)).ToArray();
        Assert.Equal(dims, model.Graph.Inputs.Single(v => !v.IsInitializer).Shape!.ToArray());
        using var x = OrtValue.CreateTensorValueFromMemory(new float[dims.Aggregate(1L, (a, b) => a * b)], dims);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [input.Key], [x], [output.Name]);
        Assert.Equal(results[0].GetTensorTypeAndShape().Shape, output.Shape!.ToArray());
        Assert.Equal(DataType.Float, output.ElementType);
    }
}
