using EdgeOpt.Onnx;
using EdgeOpt.Passes;

namespace EdgeOpt.Tests.Passes;

/// <summary>Steps every pass test shares: run a pass on a copy, list op types, spell a float tensor type.</summary>
internal static class PassHarness
{
    /// <summary>Runs <paramref name="pass"/> on a clone of <paramref name="original"/> and round-trips it through bytes (so the result is a valid file).</summary>
    public static (Model Result, bool Changed) Apply(IGraphPass pass, Model original)
    {
        using var copy = original.Clone();
        var changed = pass.Run(copy, new PassContext()).Changed;
        return (Model.Parse(copy.ToBytes()), changed);
    }

    public static string[] OpTypes(Model model) => model.Graph.Nodes.Select(n => n.OpType).ToArray();

    public static TensorType Float(params Dim[] dims) => new(DataType.Float, new TensorShape(dims));
}
