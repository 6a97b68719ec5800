using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Inference;
using Xunit.Abstractions;
using static EdgeOpt.Onnx.ShapeInference;

namespace EdgeOpt.Tests.ShapeInference;

/// <summary>
/// Cross-checks inferred output shapes against the reference outputs of the ONNX conformance suite, for every
/// node test whose operators all have a rule. Integer inputs (shapes, axes, indices) are bound as constants, as a
/// converter would see them; the declared output types are erased so they must be derived.
/// </summary>
public class ConformanceShapeTests(ITestOutputHelper log)
{
    /// <summary>Outputs whose size depends on data values, not shapes (Loop may exit early); left unresolved on purpose.</summary>
    private static readonly HashSet<string> DataDependent = ["NonZero", "Loop"];

    [Fact]
    public void Inferred_output_shapes_equal_the_reference_outputs()
    {
        var root = Path.Combine(Fixtures.OnnxTestData, "node");
        var checkedOutputs = 0;
        var checkedModels = 0;
        var mismatches = new List<string>();
        foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            var dataSet = Path.Combine(dir, "test_data_set_0");
            if (!Directory.Exists(dataSet)) continue;
            using var model = Model.Load(Path.Combine(dir, "model.onnx"));
            if (!model.Graph.AllNodes().All(n => OperatorRules.IsSupported(n.OpType, n.Domain))) continue;
            if (!model.Graph.Outputs.All(o => o.Type is TensorType)) continue;

            var inputs = model.Graph.Inputs.Where(v => !v.IsInitializer).ToList();
            for (var i = 0; i < inputs.Count; i++)
            {
                var file = Path.Combine(dataSet, $"input_{i}.pb");
                // Integer inputs and small vectors (Resize scales, Range bounds, OneHot depth) are parameters, not data.
                if (File.Exists(file) && (inputs[i].ElementType is DataType.Int64 or DataType.Int32 || inputs[i].Shape is { Rank: <= 1, ElementCount: <= 8 }))
                    model.Graph.Initializers.Attach(inputs[i], OnnxTensorFile.Load(file));
            }
            var outputs = model.Graph.Outputs.ToList();
            foreach (var o in outputs) o.Type = null;
            Infer(model);
            checkedModels++;
            var name = Path.GetFileName(dir);
            for (var i = 0; i < outputs.Count; i++)
            {
                var expected = OnnxTensorFile.Load(Path.Combine(dataSet, $"output_{i}.pb"));
                var actual = outputs[i].Type as TensorType;
                if (actual?.Shape is { IsStatic: true } shape)
                {
                    checkedOutputs++;
                    if (!shape.ToArray()!.SequenceEqual(expected.Dims) || !SameType(actual.ElementType, expected.DataType))
                        mismatches.Add($"{name} output {i}: inferred {actual}, reference {expected.DataType.OnnxName()}[{string.Join(",", expected.Dims)}]");
                }
                else if (!(outputs[i].Producer is { } p && DataDependent.Contains(p.OpType)))
                {
                    mismatches.Add($"{name} output {i}: not resolved ({outputs[i].Type?.ToString() ?? "no type"})");
                }
            }
        }
        log.WriteLine($"{checkedModels} models, {checkedOutputs} outputs compared");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatches:\n" + string.Join("\n", mismatches));
        Assert.True(checkedModels > 500 && checkedOutputs > 400, $"only {checkedModels} models / {checkedOutputs} outputs checked");
    }

    // The suite stores bfloat16 reference outputs as uint16 (the same bits).
    private static bool SameType(DataType inferred, DataType reference) =>
        inferred == reference || (inferred == DataType.BFloat16 && reference == DataType.UInt16);
}
