using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.ControlFlow;

namespace EdgeOpt.Tests.Passes;

/// <summary><see cref="OptimizationOptions.Bindings"/>: inputs become constants typed and shaped by their declaration; bad requests change nothing.</summary>
public class BindInputsTests
{
    [Fact]
    public void A_bound_scalar_makes_every_If_constant_so_they_are_inlined_and_outputs_match_ORT()
    {
        foreach (var (mode, expectedOps) in new[] { (1L, new[] { "Relu", "Mul", "Abs" }), (0L, new[] { "Neg", "Sigmoid", "Exp" }) })
        {
            using var original = ControlFlowTestModels.ModeSwitch();
            using var model = original.Clone();

            var result = ModelOptimizer.Optimize(model, new OptimizationOptions { Bindings = new Dictionary<string, string> { ["mode"] = mode.ToString() } });

            Assert.Equal(mode.ToString(), result.Bindings["mode"]);
            Assert.DoesNotContain(model.Graph.AllNodes(), n => n.OpType == "If");
            Assert.Empty(model.Graph.AllGraphs().Skip(1));
            Assert.Equal(["x"], model.Graph.Inputs.Select(v => v.Name));
            Assert.Equal(["y", "z", "x_again"], model.Graph.Outputs.Select(v => v.Name));
            foreach (var op in expectedOps) Assert.Contains(model.Graph.Nodes, n => n.OpType == op);
            AssertUniqueNames(model);

            using var saved = Model.Parse(model.ToBytes());
            var inputs = Enumerable.Range(0, 3).Select(i =>
            {
                var sample = InputGenerator.Random(original, seed: i, new Dictionary<string, long> { ["N"] = 2 });
                sample["mode"] = Tensor.Scalar("mode", mode);
                return (IReadOnlyDictionary<string, Tensor>)sample;
            }).ToList();
            var equivalence = ModelEquivalence.Compare(original, saved, inputs);
            Assert.Equal(3, equivalence.Outputs.Count);
            Assert.Equal(0, equivalence.MaxAbsError);
        }
    }

    [Fact]
    public void A_list_binds_a_1D_input_and_a_scalar_binds_a_rank_0_input()
    {
        using var original = ControlFlowTestModels.ScaleAndOffset();
        using var model = original.Clone();

        ModelOptimizer.Optimize(model, new OptimizationOptions { Bindings = new Dictionary<string, string> { ["scale"] = "0.5, -2,4e1", ["offset"] = "-1.25" } });

        Assert.Equal(["x"], model.Graph.Inputs.Select(v => v.Name));
        Assert.True(model.Graph.Initializers.TryGet("scale", out var scale));
        Assert.Equal([0.5f, -2f, 40f], scale.Initializer!.ToArray<float>());
        Assert.True(model.Graph.Initializers.TryGet("offset", out var offset));
        Assert.Empty(offset.Initializer!.Dims);
        var sample = InputGenerator.Random(original, seed: 1, new Dictionary<string, long> { ["N"] = 4 });
        sample["scale"] = Tensor.Create("scale", new[] { 0.5f, -2f, 40f }, 3);
        sample["offset"] = Tensor.Scalar("offset", -1.25f);
        Assert.Equal(0, ModelEquivalence.Compare(original, model, [sample]).MaxAbsError);
    }

    public static TheoryData<string, string, string[]> Refusals => new()
    {
        { "nope", "1", ["'nope'", "'x'", "'mode'"] },
        { "mode", "abc", ["--bind mode=abc", "'abc' is not an integer", "int64"] },
        { "mode", "1.5", ["'1.5' is not an integer"] },
        { "mode", "99999999999999999999", ["out of range", "int64"] },
        { "mode", "1,2", ["shape []", "1 value, not 2"] },
        { "mode", "1,,2", ["comma-separated"] },
        { "x", "1,2,3", ["input 'x'", "shape [N,4]", "a multiple of 4 values, not 3"] },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_binding_that_does_not_fit_the_input_is_refused_and_the_model_is_untouched(string name, string value, string[] expected)
    {
        using var model = ControlFlowTestModels.ModeSwitch();
        var before = model.ToBytes();

        var error = Assert.ThrowsAny<UsageException>(() => // InvalidOptionsException for OptimizationOptions' own rules ("1,,2")
            ModelOptimizer.Optimize(model, new OptimizationOptions { Bindings = new Dictionary<string, string> { [name] = value } }));

        foreach (var word in expected) Assert.Contains(word, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void Types_are_range_checked_and_inputs_without_a_shape_or_of_strings_are_refused()
    {
        var b = new GraphBuilder(opset: 17);
        var small = b.Input("small", DataType.Int8);
        var flag = b.Input("flag", DataType.Bool);
        var text = b.Input("text", DataType.String);
        var loose = b.Input("loose", new TensorType(DataType.Float, null));
        b.Output(b.Op("Identity", [small]), "a");
        b.Output(b.Op("Identity", [flag]), "b");
        b.Output(b.Op("Identity", [text]), "c");
        b.Output(b.Op("Identity", [loose]), "d");
        using var model = b.Build();

        Assert.Contains("out of range for int8", Refusal("small", "200"), StringComparison.Ordinal);
        Assert.Contains("'yes' is not true, false, 1 or 0", Refusal("flag", "yes"), StringComparison.Ordinal);
        Assert.Contains("string; --bind takes numeric and bool inputs", Refusal("text", "hello"), StringComparison.Ordinal);
        Assert.Contains("declares no shape", Refusal("loose", "1"), StringComparison.Ordinal);
        Assert.Equal(-128, BindInputs.Constant(small, "-128").ToArray<sbyte>()[0]);
        Assert.True(BindInputs.Constant(flag, "TRUE").ToArray<bool>()[0]);

        string Refusal(string name, string value) => Assert.Throws<UsageException>(() =>
            ModelOptimizer.Optimize(model, new OptimizationOptions { Bindings = new Dictionary<string, string> { [name] = value } })).Message;
    }

    internal static void AssertUniqueNames(Model model)
    {
        var values = model.Graph.AllGraphs().SelectMany(g => g.Values()).Select(v => v.Name).Where(n => n.Length > 0).ToList();
        Assert.Equal(values.Count, values.Distinct().Count());
        var nodes = model.Graph.AllNodes().Select(n => n.Name).Where(n => n.Length > 0).ToList();
        Assert.Equal(nodes.Count, nodes.Distinct().Count());
    }
}
