using EdgeOpt.Analysis;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using static EdgeOpt.Onnx.ShapeInference;
using static EdgeOpt.Tests.ShapeInference.Build;

namespace EdgeOpt.Tests.ShapeInference;

public class RuntimeFallbackTests
{
    [Fact]
    public void Data_dependent_shapes_come_from_one_onnx_runtime_run_and_the_model_is_untouched()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, N, 4);
        var nz = b.Op("NonZero", [x]);
        var t = b.Op("Transpose", [nz]);
        b.Output(b.Op("Relu", [x]), "y");
        using var model = b.Build();

        var staticOnly = Infer(model);
        Assert.Equal([nz.Name, t.Name], staticOnly.Unresolved.Select(u => u.ValueName).Order());
        Assert.Contains("data-dependent", staticOnly.Unresolved.Single(u => u.ValueName == nz.Name).Reason, StringComparison.Ordinal);
        Assert.Equal("int64[2,?]", TypeOf(nz));

        var r = RuntimeShapeInference.Infer(model, new RuntimeShapeInferenceOptions { InputShapes = new Dictionary<string, long[]> { ["x"] = [3, 4] } });
        Assert.True(r.IsComplete, string.Join("; ", r.Unresolved));
        // Inputs are standard normal (InputGenerator): every one of the 12 elements is (almost surely) non-zero.
        Assert.Equal("int64[2,12]", TypeOf(nz));
        Assert.Equal("int64[12,2]", TypeOf(t));
        Assert.Equal([nz.Name, t.Name], r.FromRuntime.Select(v => v.ValueName).Order());
        Assert.Equal([3L, 4L], r.RuntimeInputShapes!["x"]);
        Assert.Equal(["y"], model.Graph.Outputs.Select(o => o.Name));
    }

    [Fact]
    public void Reshape_to_a_runtime_shape_uses_free_dim_default_and_zero_shape_input()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, N, 6);
        var y = b.Op("Reshape", [x, b.Input("shape", DataType.Int64, 2)]);
        b.Output(y, "y");
        using var model = b.Build();
        // The generated shape input is [0, 0], which Reshape reads as "copy both dims".
        var r = RuntimeShapeInference.Infer(model, new RuntimeShapeInferenceOptions { FreeDimDefault = 5 });
        Assert.True(r.IsComplete, string.Join("; ", r.Unresolved));
        Assert.Equal("float[5,6]", TypeOf(y));
        Assert.Equal([5L, 6L], r.RuntimeInputShapes!["x"]);
        Assert.Equal([2L], r.RuntimeInputShapes["shape"]);
    }

    [Fact]
    public void An_operator_without_a_rule_gets_its_whole_type_from_the_runtime()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, N, 4);
        // Compress has no static rule; it keeps the columns whose generated bool is true (InputGenerator, seed 0).
        var y = b.Op("Compress", [x, b.Input("keep", DataType.Bool, 4)], ("axis", 1L));
        using var model = b.Build();
        Assert.Null(y.Type);
        var kept = InputGenerator.Random(model, seed: 0)["keep"].ToArray<bool>().Count(k => k);
        var r = RuntimeShapeInference.Infer(model);
        Assert.True(r.IsComplete, string.Join("; ", r.Unresolved));
        Assert.Equal($"float[1,{kept}]", TypeOf(y));
        Assert.Equal($"float[1,{kept}]", Assert.Single(r.FromRuntime).Type.ToString());
    }

    [Fact]
    public void Without_the_fallback_nothing_runs_and_values_stay_unresolved()
    {
        var b = new GraphBuilder(opset: 13);
        var nz = b.Op("NonZero", [b.Input("x", DataType.Float, 3)]);
        using var model = b.Build();
        var r = Infer(model);
        Assert.Equal(nz.Name, Assert.Single(r.Unresolved).ValueName);
        Assert.Equal("int64[1,?]", TypeOf(nz));
    }

    [Fact]
    public void With_nothing_left_unresolved_the_fallback_does_not_run()
    {
        var b = new GraphBuilder(opset: 13);
        var y = b.Op("Relu", [b.Input("x", DataType.Float, N, 4)]);
        using var model = b.Build();
        var r = RuntimeShapeInference.Infer(model);
        Assert.True(r.IsComplete);
        Assert.Null(r.RuntimeInputShapes);
        Assert.Empty(r.FromRuntime);
        Assert.Equal("float[N,4]", TypeOf(y));
    }

    [Fact]
    public void Input_shapes_that_contradict_the_model_are_a_usage_error_naming_the_input()
    {
        var b = new GraphBuilder(opset: 13);
        b.Op("NonZero", [b.Input("x", DataType.Float, N, 4)]);
        using var model = b.Build();
        var wrongRank = Assert.Throws<UsageException>(() => RuntimeShapeInference.Infer(model, new RuntimeShapeInferenceOptions
        {
            InputShapes = new Dictionary<string, long[]> { ["x"] = [3] },
        }));
        Assert.Contains("'x'", wrongRank.Message, StringComparison.Ordinal);
        var wrongDim = Assert.Throws<UsageException>(() => RuntimeShapeInference.Infer(model, new RuntimeShapeInferenceOptions
        {
            InputShapes = new Dictionary<string, long[]> { ["x"] = [3, 5] },
        }));
        Assert.Contains("declares 4", wrongDim.Message, StringComparison.Ordinal);
        var unknownName = Assert.Throws<UsageException>(() => RuntimeShapeInference.Infer(model, new RuntimeShapeInferenceOptions
        {
            InputShapes = new Dictionary<string, long[]> { ["z"] = [3, 4] },
        }));
        Assert.Contains("'z'", unknownName.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_profile_can_take_runtime_shapes_and_then_counts_what_follows_a_data_dependent_op()
    {
        static Model Build()
        {
            var b = new GraphBuilder(opset: 13);
            var nz = b.Op("NonZero", [b.Input("x", DataType.Float, 3, 4)]);
            var cast = b.Op("Cast", [nz], ("to", (long)DataType.Float));
            b.Output(b.Op("MatMul", [b.Op("Transpose", [cast]), b.Initializer(Tensor.Create("w", new float[2 * 5], 2, 5))]), "y");
            return b.Build();
        }

        using var staticModel = Build();
        var staticProfile = ModelProfile.Analyze(staticModel);
        Assert.True(staticProfile.UnresolvedShapes > 0);

        using var observedModel = Build();
        var observed = ModelProfile.Analyze(observedModel, new ProfileOptions { RuntimeShapeFallback = RuntimeShapeInferenceOptions.Default });
        Assert.Equal(0, observed.UnresolvedShapes);
        // Standard normal inputs: all 12 elements non-zero, so the MatMul is [12,2] x [2,5].
        Assert.Equal(12 * 2 * 5, observed.Macs);
    }
}
