using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Rule: <c>Cast(Cast(x: A) to B) to C</c> → <c>Cast(x) to C</c>, or just <c>x</c> when C = A.
/// Condition: the inner cast A → B is lossless (B holds every value of A exactly, e.g. float → double, int8 → int32,
/// uint8 → float; see <see cref="IsLossless"/>), so the outer cast sees exactly x's values. float → int32 → float
/// is NOT collapsed (truncation), nor is int64 → double (large values round). Both casts are default-domain
/// <c>Cast</c> nodes and x's element type must be known. The inner Cast stays while something else reads it.
/// </summary>
public sealed class EliminateDuplicateCasts : IGraphPass
{
    public string Name => "eliminate-duplicate-casts";
    public string Description => "Collapses Cast(Cast(x)) when the first cast is lossless.";
    public PassLevel Level => PassLevel.Basic;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ShapeInference.Infer(model);
        var rewritten = 0;
        foreach (var graph in model.Graph.AllGraphs().ToList())
        {
            foreach (var outer in graph.Nodes.ToList())
            {
                if (outer is not { OpType: "Cast", IsOnnxDomain: true, Inputs: [{ Producer: { OpType: "Cast", IsOnnxDomain: true } inner }] } || outer.Graph is null)
                    continue;
                if (inner.Inputs is not [{ ElementType: { } a } x] || a == DataType.Undefined) continue;
                var b = (DataType)inner.Attributes.GetInt("to", 0);
                var c = (DataType)outer.Attributes.GetInt("to", 0);
                if (!IsLossless(a, b)) continue;
                if (c == a)
                {
                    if (!GraphQueries.TryRemoveNodeAndRewire(outer, x)) continue;
                }
                else
                {
                    outer.SetInput(0, x);
                }
                rewritten++;
                if (inner.Outputs.All(GraphQueries.IsUnused)) graph.RemoveNode(inner);
            }
        }
        return PassResult.Of(rewritten);
    }

    /// <summary>Whether every value of <paramref name="from"/> is exactly representable in <paramref name="to"/>.</summary>
    internal static bool IsLossless(DataType from, DataType to)
    {
        if (from == to) return true;
        return from switch
        {
            DataType.Bool => to is DataType.UInt8 or DataType.Int8 or DataType.UInt16 or DataType.Int16 or DataType.UInt32 or DataType.Int32
                or DataType.UInt64 or DataType.Int64 or DataType.Float16 or DataType.BFloat16 or DataType.Float or DataType.Double,
            DataType.UInt8 => to is DataType.UInt16 or DataType.Int16 or DataType.UInt32 or DataType.Int32 or DataType.UInt64 or DataType.Int64
                or DataType.Float16 or DataType.BFloat16 or DataType.Float or DataType.Double,
            DataType.Int8 => to is DataType.Int16 or DataType.Int32 or DataType.Int64 or DataType.Float16 or DataType.BFloat16 or DataType.Float or DataType.Double,
            DataType.UInt16 => to is DataType.UInt32 or DataType.Int32 or DataType.UInt64 or DataType.Int64 or DataType.Float or DataType.Double,
            DataType.Int16 => to is DataType.Int32 or DataType.Int64 or DataType.Float or DataType.Double,
            DataType.UInt32 => to is DataType.UInt64 or DataType.Int64 or DataType.Double,
            DataType.Int32 => to is DataType.Int64 or DataType.Double,
            DataType.Float16 => to is DataType.Float or DataType.Double,
            DataType.BFloat16 => to is DataType.Float or DataType.Double,
            DataType.Float => to is DataType.Double,
            _ => false,
        };
    }
}
