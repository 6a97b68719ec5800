using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Conformance;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Tests.Passes;

public class FoldConstantsTests
{
    private static readonly Dim N = Dim.Symbolic("N");

    [Fact]
    public void A_shape_subgraph_with_a_fixed_batch_becomes_one_Reshape_by_a_constant()
    {
        // x.view(x.size(0), -1) as PyTorch exports it.
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, N, 8, 2, 2);
        var shape = b.Op("Shape", [x]);
        var batch = b.Op("Gather", [shape, b.Initializer(Tensor.Scalar("zero", 0L))], ("axis", 0L));
        var batch1 = b.Op("Unsqueeze", [batch, b.Initializer("axes", new[] { 0L }, 1)]);
        var target = b.Op("Concat", [batch1, b.Initializer("minus1", new[] { -1L }, 1)], ("axis", 0L));
        b.Output(b.Op("Reshape", [x, target]), "y");
        using var original = b.Build();
        using var model = original.Clone();

        var report = new PassManager([new FixInputShapes(new Dictionary<string, long[]> { ["x"] = [3, 8, 2, 2] }), new FoldConstants()]).Run(model);

        var reshape = Assert.Single(model.Graph.Nodes);
        Assert.Equal("Reshape", reshape.OpType);
        Assert.Equal([3L, -1L], reshape.Inputs[1]!.Initializer!.ToInt64Array());
        Assert.Single(model.Graph.Initializers); // the folded chain's constants are gone
        Assert.Equal(5, report.NodesBefore);
        var equivalence = ModelEquivalence.Compare(original, model, samples: 2, dims: new Dictionary<string, long> { ["N"] = 3 });
        Assert.Equal(0, equivalence.MaxAbsError);
    }

    [Fact]
    public void Shape_with_start_folds_the_known_dims_past_a_symbolic_batch()
    {
        var b = new GraphBuilder(opset: 15);
        var x = b.Input("x", DataType.Float, N, 4, 5);
        var tail = b.Op("Shape", [x], ("start", 1L));
        b.Output(b.Op("Reshape", [x, b.Op("Concat", [b.Initializer("m1", new[] { -1L }, 1), tail], ("axis", 0L))]), "y");
        using var model = b.Build();

        Assert.True(new FoldConstants().Run(model, new PassContext()).Changed);

        var reshape = Assert.Single(model.Graph.Nodes);
        Assert.Equal([-1L, 4L, 5L], reshape.Inputs[1]!.Initializer!.ToInt64Array());
    }

    [Fact]
    public void Arithmetic_on_constants_and_Constant_nodes_folds_to_one_initializer_with_exact_values()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, N, 4);
        var a = b.Initializer("a", new[] { 1f, 2f, 3f, 4f }, 4);
        var c = b.AddNode("Constant", [], attributes: [("value", Tensor.Create("cv", new[] { 0.5f, 0.25f, 2f, 8f }, 4))]).Outputs[0];
        var scale = b.Op("Sqrt", [b.Op("Mul", [b.Op("Add", [a, c]), c])]);
        b.Output(b.Op("Mul", [x, scale]), "y");
        using var original = b.Build();
        using var model = original.Clone();

        var changed = new FoldConstants().Run(model, new PassContext()).Changed;

        Assert.True(changed);
        var mul = Assert.Single(model.Graph.Nodes);
        Assert.Equal("Mul", mul.OpType);
        var folded = mul.Inputs[1]!.Initializer!.ToSingleArray();
        float[] expected = [MathF.Sqrt(1.5f * 0.5f), MathF.Sqrt(2.25f * 0.25f), MathF.Sqrt(5f * 2f), MathF.Sqrt(12f * 8f)];
        Assert.Equal(expected, folded);
        Assert.Single(model.Graph.Initializers);
        Assert.Equal(0, ModelEquivalence.Compare(original, model, samples: 2).MaxAbsError);
        Assert.False(new FoldConstants().Run(model, new PassContext()).Changed); // a fixpoint
    }

    [Fact]
    public void Multi_output_nodes_and_graph_outputs_fold()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 3);
        var split = b.AddNode("Split", [b.Initializer("w", new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3)], outputCount: 2, attributes: [("axis", 0L)]);
        b.Output(b.Op("Add", [x, split.Outputs[0]]), "y");
        b.Output(split.Outputs[1], "second");
        using var original = b.Build();
        using var model = original.Clone();

        Assert.True(new FoldConstants().Run(model, new PassContext()).Changed);

        Assert.Equal("Add", Assert.Single(model.Graph.Nodes).OpType);
        Assert.Equal([4f, 5f, 6f], model.Graph.Outputs[1].Initializer!.ToSingleArray());
        Assert.Equal(0, ModelEquivalence.Compare(original, model, samples: 2).MaxAbsError);
    }

    [Fact]
    public void The_size_cap_and_the_no_bloat_rule_leave_big_outputs_alone()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 64, 64);
        // 16 KiB from a 4-byte scalar: allowed by the cap, but it would grow the model.
        var expanded = b.Op("Expand", [b.Initializer(Tensor.Scalar("one", 1f)), b.Initializer("shape", new[] { 64L, 64L }, 2)]);
        // 4 MiB of zeros: over the default 1 MiB cap.
        var zeros = b.Op("ConstantOfShape", [b.Initializer("big", new[] { 1024L, 1024L }, 2)]);
        b.Output(b.Op("Add", [x, expanded]), "y");
        b.Output(zeros, "z");
        using var model = b.Build();
        var context = new PassContext();

        Assert.False(new FoldConstants().Run(model, context).Changed);

        Assert.Equal(["Expand", "ConstantOfShape", "Add"], model.Graph.Nodes.Select(n => n.OpType));
        Assert.Contains(context.Notes, n => n.Contains("Expand") && n.Contains("growing the model", StringComparison.Ordinal));
        Assert.Contains(context.Notes, n => n.Contains("ConstantOfShape") && n.Contains("over the fold size limit of 1048576 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void A_lower_size_limit_is_respected()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 8);
        var sum = b.Op("Add", [b.Initializer("p", new float[8], 8), b.Initializer("q", new float[8], 8)]);
        b.Output(b.Op("Mul", [x, sum]), "y");
        using var model = b.Build();

        var changed = new FoldConstants(sizeLimitBytes: 16).Run(model, new PassContext()).Changed;

        Assert.False(changed);
        Assert.Equal(2, model.Graph.Nodes.Count);
    }

    [Fact]
    public void Random_ops_are_never_folded()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 2, 2);
        var like = b.Op("RandomNormalLike", [b.Initializer("t", new float[4], 2, 2)], ("seed", 1f));
        var uniform = b.Op("RandomUniform", [], ("shape", new long[] { 2, 2 }), ("seed", 2f));
        var coin = b.Op("Bernoulli", [b.Initializer("p", new[] { 0.5f, 0.5f, 0.5f, 0.5f }, 2, 2)]);
        b.Output(b.Op("Sum", [x, like, uniform, coin]), "y");
        using var model = b.Build();
        var context = new PassContext();

        Assert.False(new FoldConstants().Run(model, context).Changed);

        Assert.Equal(["RandomNormalLike", "RandomUniform", "Bernoulli", "Sum"], model.Graph.Nodes.Select(n => n.OpType));
        Assert.Contains(context.Notes, n => n.Contains("RandomNormalLike") && n.Contains("not deterministic", StringComparison.Ordinal));
    }

    [Fact]
    public void ResNet18_with_its_input_shape_fixed_stays_exactly_equivalent()
    {
        using var original = Model.Load(Fixtures.ResNet18);
        using var model = original.Clone();
        var input = model.Graph.Inputs.Single(v => !v.IsInitializer);
        var shapes = new Dictionary<string, long[]> { [input.Name] = input.Shape!.ToArray()! };

        var report = new PassManager([new FixInputShapes(shapes), new FoldConstants()]).Run(model);

        // The CNTK export lists its weights as graph inputs (overridable, so not constants): nothing may fold.
        Assert.Equal(report.NodesBefore, report.NodesAfter);
        Assert.Equal(0, ModelEquivalence.Compare(original, model, samples: 1).MaxAbsError);
    }

    [Fact]
    public void Ops_ONNX_Runtime_cannot_run_are_skipped_with_a_note()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 2);
        // ORT has no CPU kernel for Sqrt on int16, and Cast to float8 gives a type its C# API cannot read.
        var root = b.Op("Sqrt", [b.Initializer("i16", new short[] { 4, 9 }, 2)]);
        var f8 = b.Op("Cast", [b.Initializer("h", new[] { 1f, 2f }, 2)], ("to", (long)DataType.Float8E4M3FN));
        var back = b.Op("Cast", [f8], ("to", (long)DataType.Float));
        var sum = b.Op("Add", [x, b.Op("Cast", [root], ("to", (long)DataType.Float))]);
        b.Output(b.Op("Add", [sum, back]), "y");
        using var model = b.Build();
        var context = new PassContext();

        var changed = new FoldConstants().Run(model, context).Changed;

        Assert.False(changed);
        Assert.Equal(6, model.Graph.Nodes.Count);
        Assert.Contains(context.Notes, n => n.Contains("Sqrt") && n.Contains("ONNX Runtime cannot evaluate it", StringComparison.Ordinal) && n.Contains("int16", StringComparison.Ordinal));
        Assert.Contains(context.Notes, n => n.Contains("Cast") && n.Contains("is float8e4m3fn, which ONNX Runtime's C# API cannot read back", StringComparison.Ordinal));
    }
}

/// <summary>
/// FoldConstants over the whole ONNX conformance suite: wherever it changes a model and ORT reproduces the suite's
/// expected outputs with the original, the folded model must reproduce them too (rtol 1e-3, atol 1e-7).
/// </summary>
public class FoldConstantsConformanceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Folded_suite_models_reproduce_the_expected_outputs()
    {
        var cases = ConformanceSuite.Cases(Fixtures.OnnxTestData).ToArray();
        Assert.True(cases.Length > 1000, $"expected the full suite under {Fixtures.OnnxTestData}, found {cases.Length} models");
        var results = new (bool Changed, bool Verified, string? Failure)[cases.Length];
        Parallel.For(0, cases.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            try
            {
                results[i] = Check(cases[i].Directory);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                results[i] = (false, false, $"{e.GetType().Name}: {e.Message}");
            }
        });

        var failures = results.Select((r, i) => r.Failure is null ? null : $"{Path.GetFileName(cases[i].Directory)}: {r.Failure}").OfType<string>().ToList();
        output.WriteLine($"{cases.Length} models, {results.Count(r => r.Changed)} changed by folding, {results.Count(r => r.Verified)} of those verified against expected outputs, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Take(20)));
        Assert.True(results.Count(r => r.Verified) > 50, "expected folding to change and verify a good part of the suite");
    }

    private static (bool Changed, bool Verified, string? Failure) Check(string directory)
    {
        Model original;
        try
        {
            original = Model.Load(Path.Combine(directory, "model.onnx"));
        }
        catch (EdgeOptException)
        {
            return (false, false, null); // the IR tests report load failures
        }
        using (original)
        {
            using var folded = original.Clone();
            if (!new FoldConstants().Run(folded, new PassContext()).Changed) return (false, false, null);
            using var options = ConformanceSuite.SessionOptionsForDeterminism();
            InferenceSession reference;
            try
            {
                reference = new InferenceSession(original.ToBytes(), options);
            }
            catch (OnnxRuntimeException)
            {
                return (true, false, null);
            }
            using (reference)
            {
                InferenceSession candidate;
                try
                {
                    candidate = new InferenceSession(folded.ToBytes(), options);
                }
                catch (OnnxRuntimeException e)
                {
                    return (true, false, $"ORT loads the original but not the folded model: {e.Message}");
                }
                using (candidate)
                {
                    var verified = false;
                    var outputNames = original.Graph.Outputs.Select(o => o.Name).ToArray();
                    foreach (var dataSet in Directory.EnumerateDirectories(directory, "test_data_set_*").Order(StringComparer.Ordinal))
                    {
                        var (inputs, expected, unsupported) = ConformanceSuite.LoadDataSet(dataSet, original.Graph);
                        if (unsupported is not null) return (true, false, null);
                        try
                        {
                            List<OnnxDataValue> fromOriginal;
                            try
                            {
                                fromOriginal = ConformanceSuite.Execute(reference, inputs, outputNames);
                            }
                            catch (Exception e) when (e is OnnxRuntimeException or UnsupportedOperatorException)
                            {
                                return (true, false, null);
                            }
                            // Where ORT itself deviates from the suite (or the op is random) there is nothing to verify.
                            if (expected.Where((e, i) => OutputComparer.AllClose(e, fromOriginal[i]) is not null).Any()) continue;
                            var fromFolded = ConformanceSuite.Execute(candidate, inputs, outputNames);
                            for (var i = 0; i < expected.Count; i++)
                                if (OutputComparer.AllClose(expected[i], fromFolded[i]) is { } d)
                                    return (true, false, $"{Path.GetFileName(dataSet)} output '{outputNames[i]}': {d}");
                            verified = true;
                        }
                        finally
                        {
                            foreach (var v in inputs.Values) v?.Dispose();
                        }
                    }
                    return (true, verified, null);
                }
            }
        }
    }
}
