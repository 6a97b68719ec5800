using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.EliminationHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class EliminateNoOpsTests
{
    private static readonly Dim N = Dim.Symbolic("N");

    /// <summary>Each case wraps x: float[N,3,4] (opset 15) in an op, then Neg → y: float[N,3,4].</summary>
    private static readonly Dictionary<string, Func<GraphBuilder, Value, Value>> NoOps = new()
    {
        ["reshape-same-shape"] = (b, x) => b.Op("Reshape", [x, b.Initializer("s", new[] { 0L, 3, 4 }, 3)]),
        ["reshape-with-minus-one"] = (b, x) => b.Op("Reshape", [x, b.Initializer("s", new[] { -1L, 3, 4 }, 3)]),
        ["transpose-identity"] = (b, x) => b.Op("Transpose", [x], ("perm", new long[] { 0, 1, 2 })),
        ["cast-same-type"] = (b, x) => b.Op("Cast", [x], ("to", (long)DataType.Float)),
        ["castlike-same-type"] = (b, x) => b.Op("CastLike", [x, b.Initializer("like", new[] { 1f }, 1)]),
        ["pad-zero"] = (b, x) => b.Op("Pad", [x, b.Initializer("p", new long[6], 6)]),
        ["slice-everything"] = (b, x) => b.Op("Slice", [x, b.Initializer("st", new[] { 0L, 0 }, 2), b.Initializer("en", new[] { long.MaxValue, 4 }, 2), b.Initializer("ax", new[] { 1L, -1 }, 2)]),
        ["expand-same-shape"] = (b, x) => b.Op("Expand", [x, b.Initializer("s", new[] { 3L, 1 }, 2)]),
        ["squeeze-unsqueeze"] = (b, x) => b.Op("Squeeze", [b.Op("Unsqueeze", [x, b.Initializer("a1", new[] { -1L }, 1)]), b.Initializer("a2", new[] { 3L }, 1)]),
        ["concat-one-input"] = (b, x) => b.Op("Concat", [x], ("axis", 1L)),
    };

    /// <summary>Look-alikes that do change their input.</summary>
    private static readonly Dictionary<string, Func<GraphBuilder, Value, Value>> RealOps = new()
    {
        ["reshape-other-shape"] = (b, x) => b.Op("Reshape", [b.Op("Reshape", [x, b.Initializer("s", new[] { 0L, 4, 3 }, 3)]), b.Initializer("back", new[] { 0L, 3, 4 }, 3)]),
        ["transpose-swap"] = (b, x) => b.Op("Transpose", [b.Op("Transpose", [x], ("perm", new long[] { 0, 2, 1 }))], ("perm", new long[] { 0, 2, 1 })),
        ["cast-other-type"] = (b, x) => b.Op("Cast", [b.Op("Cast", [x], ("to", (long)DataType.Float16))], ("to", (long)DataType.Float)),
        ["pad-one"] = (b, x) => b.Op("Slice", [b.Op("Pad", [x, b.Initializer("p", new long[] { 0, 0, 1, 0, 0, 0 }, 6)]), b.Initializer("st", new[] { 0L }, 1), b.Initializer("en", new[] { 4L }, 1), b.Initializer("ax", new[] { 2L }, 1)]),
        ["slice-part"] = (b, x) => b.Op("Pad", [b.Op("Slice", [x, b.Initializer("st", new[] { 1L }, 1), b.Initializer("en", new[] { 4L }, 1), b.Initializer("ax", new[] { 2L }, 1)]), b.Initializer("p", new long[] { 0, 0, 1, 0, 0, 0 }, 6)]),
        ["squeeze-other-axes"] = (b, x) => b.Op("Squeeze", [b.Op("Squeeze", [b.Op("Unsqueeze", [b.Op("Unsqueeze", [x, b.Initializer("a1", new[] { 0L }, 1)]), b.Initializer("a2", new[] { 3L }, 1)]), b.Initializer("a3", new[] { 0L }, 1)]), b.Initializer("a4", new[] { 2L }, 1)]),
    };

    public static TheoryData<string> NoOpNames => [.. NoOps.Keys];
    public static TheoryData<string> RealOpNames => [.. RealOps.Keys];

    [Theory]
    [MemberData(nameof(NoOpNames))]
    public void A_no_op_is_removed_exactly(string name)
    {
        using var original = Build(NoOps[name]);

        var (model, changed) = Apply(new EliminateNoOps(), original);

        Assert.True(changed, name);
        Assert.Equal(["Neg"], OpTypes(model));
        AssertExactlyEquivalent(original, model, dims: new Dictionary<string, long> { ["N"] = 2 });
    }

    [Theory]
    [MemberData(nameof(RealOpNames))]
    public void An_op_that_changes_its_input_stays(string name)
    {
        using var model = Build(RealOps[name]);
        var before = OpTypes(model);

        // Shape inference may annotate types, but no node may go.
        new EliminateNoOps().Run(model, new PassContext());

        Assert.Equal(before, OpTypes(model));
    }

    [Fact]
    public void A_reshape_of_an_unknown_dim_to_a_number_stays()
    {
        // N could be anything, so Reshape(x, [2,3,4]) is not provably a no-op.
        using var model = Build((b, x) => b.Op("Reshape", [x, b.Initializer("s", new[] { 2L, 3, 4 }, 3)]));

        Assert.False(new EliminateNoOps().Run(model, new PassContext()).Changed);
        Assert.Equal(["Reshape", "Neg"], OpTypes(model));
    }

    [Fact]
    public void Opset_9_Pad_and_Slice_attributes_are_understood()
    {
        var b = new GraphBuilder(opset: 9, irVersion: 4);
        var x = b.Input("x", DataType.Float, 2, 3);
        var padded = b.Op("Pad", [x], ("pads", new long[4]));
        var sliced = b.Op("Slice", [padded], ("starts", new long[] { 0 }), ("ends", new long[] { 3 }), ("axes", new long[] { 1 }));
        b.Output(b.Op("Neg", [sliced]), "y", Float(2, 3));
        using var original = b.Build();

        var (model, changed) = Apply(new EliminateNoOps(), original);

        Assert.True(changed);
        Assert.Equal(["Neg"], OpTypes(model));
        AssertExactlyEquivalent(original, model);
    }

    private static Model Build(Func<GraphBuilder, Value, Value> wrap)
    {
        var b = new GraphBuilder(opset: 15);
        var x = b.Input("x", DataType.Float, N, 3, 4);
        b.Output(b.Op("Neg", [wrap(b, x)]), "y", Float(N, 3, 4));
        return b.Build();
    }
}
