using EdgeOpt.Analysis;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Analysis;

/// <summary>Ops a plain ONNX runtime may not run are flagged with a reason.</summary>
public class FlaggedOperatorTests
{
    [Fact]
    public void Flags_contrib_custom_ml_unknown_and_out_of_opset_ops()
    {
        var b = new GraphBuilder("flags", opset: 11);
        b.Opset("com.microsoft", 1).Opset("com.acme", 1).Opset("ai.onnx.ml", 3);
        var x = b.Input("x", DataType.Float, 1, 4);
        var v = b.Op("Relu", [x]);
        v = b.AddNode("FusedGemm", [v], domain: "com.microsoft").Outputs[0];
        v = b.AddNode("FusedGemm", [v], domain: "com.microsoft").Outputs[0];
        v = b.AddNode("Foo", [v], domain: "com.acme").Outputs[0];
        v = b.AddNode("Normalizer", [v], domain: "ai.onnx.ml").Outputs[0];
        v = b.Op("Gelu", [v]);        // opset 20
        v = b.Op("Upsample", [v]);    // removed in opset 10
        b.Output(b.Op("Frobnicate", [v]), "y");

        var flags = ModelProfile.Analyze(b.Build()).FlaggedOps.ToDictionary(f => f.Domain.Length > 0 ? $"{f.Domain}.{f.OpType}" : f.OpType);

        Assert.Equal(6, flags.Count);
        Assert.Equal((FlagReason.OrtContrib, 2), (flags["com.microsoft.FusedGemm"].Reason, flags["com.microsoft.FusedGemm"].Count));
        Assert.Contains("ORT contrib", flags["com.microsoft.FusedGemm"].Detail, StringComparison.Ordinal);
        Assert.Equal(FlagReason.CustomDomain, flags["com.acme.Foo"].Reason);
        Assert.Equal(FlagReason.OnnxMl, flags["ai.onnx.ml.Normalizer"].Reason);
        Assert.Equal(FlagReason.NotInOpset, flags["Gelu"].Reason);
        Assert.Contains("introduced in opset 20", flags["Gelu"].Detail, StringComparison.Ordinal);
        Assert.Equal(FlagReason.NotInOpset, flags["Upsample"].Reason);
        Assert.Contains("removed in opset 10", flags["Upsample"].Detail, StringComparison.Ordinal);
        Assert.Equal(FlagReason.UnknownOnnxOp, flags["Frobnicate"].Reason);
    }

    [Fact]
    public void Ops_inside_their_opset_are_not_flagged()
    {
        var b = new GraphBuilder("ok", opset: 20);
        var x = b.Input("x", DataType.Float, 1, 4);
        b.Output(b.Op("Gelu", [b.Op("Relu", [x])]), "y");

        Assert.Empty(ModelProfile.Analyze(b.Build()).FlaggedOps);
    }
}
