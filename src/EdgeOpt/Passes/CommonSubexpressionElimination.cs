using System.Text;
using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Rule: of two nodes with the same op, domain, overload, inputs (the same values, in order) and attributes, the
/// later one is removed and its readers read the earlier one's outputs. Applied per graph in dependency order, so
/// chains of duplicates collapse in one run. Conditions: default-domain, deterministic ops only (random ops are
/// excluded), no subgraph attributes or attribute references; when the later node's output is a graph output the
/// earlier one's output takes its name, which must be possible (see <see cref="GraphQueries.CanReplaceValue"/>).
/// </summary>
public sealed class CommonSubexpressionElimination : IGraphPass
{
    /// <summary>Ops whose outputs differ between evaluations (or that are training-only randomness).</summary>
    private static readonly HashSet<string> NonDeterministic = new(StringComparer.Ordinal)
    {
        "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Bernoulli", "Multinomial", "Dropout",
    };

    public string Name => "cse";
    public string Description => "Merges nodes with identical op, inputs and attributes (common subexpressions).";
    public PassLevel Level => PassLevel.Basic;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        return PassResult.Of(model.Graph.AllGraphs().ToList().Sum(RunOnGraph));
    }

    /// <summary>Merges duplicates in one graph; returns how many nodes were merged away.</summary>
    private static int RunOnGraph(Graph graph)
    {
        var ids = new Dictionary<Value, int>();
        var seen = new Dictionary<string, List<Node>>(StringComparer.Ordinal);
        var merged = 0;
        foreach (var node in graph.TopologicalOrder())
        {
            if (!IsCandidate(node)) continue;
            var key = Key(node, ids);
            if (!seen.TryGetValue(key, out var twins)) seen[key] = twins = [];
            var original = twins.Find(t => SameAttributes(t, node));
            if (original is null || !TryMerge(node, original))
            {
                twins.Add(node);
                continue;
            }
            merged++;
        }
        return merged;
    }

    private static bool IsCandidate(Node node) =>
        node.IsOnnxDomain && !NonDeterministic.Contains(node.OpType) && node.Outputs.Count > 0 && GraphQueries.HasOnlyPlainAttributes(node);

    /// <summary>Moves the readers of <paramref name="duplicate"/>'s outputs to <paramref name="original"/>'s and removes it.</summary>
    private static bool TryMerge(Node duplicate, Node original)
    {
        if (duplicate.Outputs.Count != original.Outputs.Count) return false;
        for (var i = 0; i < duplicate.Outputs.Count; i++)
        {
            var d = duplicate.Outputs[i];
            if (GraphQueries.IsUnused(d)) continue;
            if (original.Outputs[i].Name.Length == 0 || !GraphQueries.CanReplaceValue(d, original.Outputs[i])) return false;
        }
        for (var i = 0; i < duplicate.Outputs.Count; i++)
            if (!GraphQueries.IsUnused(duplicate.Outputs[i])) GraphQueries.TryReplaceValue(duplicate.Outputs[i], original.Outputs[i]);
        duplicate.Graph!.RemoveNode(duplicate);
        return true;
    }

    /// <summary>Op identity, input identities and a digest of the attributes; candidates are confirmed with <see cref="SameAttributes"/>.</summary>
    private static string Key(Node node, Dictionary<Value, int> ids)
    {
        var key = new StringBuilder().Append(node.Domain).Append('|').Append(node.OpType).Append('|').Append(node.Overload).Append('|');
        foreach (var input in node.Inputs)
        {
            if (input is null) key.Append("_,");
            else
            {
                if (!ids.TryGetValue(input, out var id)) ids[input] = id = ids.Count;
                key.Append(id).Append(',');
            }
        }
        key.Append('|').Append(node.Outputs.Count).Append('|');
        foreach (var a in node.Attributes.OrderBy(a => a.Name, StringComparer.Ordinal))
            key.Append(a.Name).Append(':').Append((int)a.Kind).Append(':').Append(AttributeDigest(a.Value)).Append(';');
        return key.ToString();
    }

    private static int AttributeDigest(object? value)
    {
        var h = new HashCode();
        switch (value)
        {
            case float f: h.Add(f); break;
            case long l: h.Add(l); break;
            case byte[] b: h.AddBytes(b); break;
            case float[] fs: foreach (var f in fs) h.Add(f); break;
            case long[] ls: foreach (var l in ls) h.Add(l); break;
            case byte[][] ss: foreach (var s in ss) h.AddBytes(s); break;
            case Tensor t: AddTensor(ref h, t); break;
            case Tensor[] ts: foreach (var t in ts) AddTensor(ref h, t); break;
            case OnnxType type: h.Add(type); break;
            default: h.Add(value?.GetType()); break;
        }
        return h.ToHashCode();
    }

    private static void AddTensor(ref HashCode h, Tensor t)
    {
        h.Add(t.DataType);
        foreach (var d in t.Dims) h.Add(d);
        if (t.DataType == DataType.String) foreach (var s in t.Strings) h.AddBytes(s);
        else h.AddBytes(t.RawBytes);
    }

    private static bool SameAttributes(Node a, Node b)
    {
        if (a.Attributes.Count != b.Attributes.Count) return false;
        foreach (var x in a.Attributes)
        {
            if (b.Attributes[x.Name] is not { } y || x.Kind != y.Kind || !SameValue(x.Value, y.Value)) return false;
        }
        return true;
    }

    private static bool SameValue(object? x, object? y) => (x, y) switch
    {
        (float a, float b) => a.Equals(b),
        (long a, long b) => a == b,
        (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
        (float[] a, float[] b) => a.AsSpan().SequenceEqual(b),
        (long[] a, long[] b) => a.AsSpan().SequenceEqual(b),
        (byte[][] a, byte[][] b) => a.Length == b.Length && a.Zip(b).All(p => p.First.AsSpan().SequenceEqual(p.Second)),
        (Tensor a, Tensor b) => SameTensor(a, b),
        (Tensor[] a, Tensor[] b) => a.Length == b.Length && a.Zip(b).All(p => SameTensor(p.First, p.Second)),
        (OnnxType a, OnnxType b) => a.Equals(b),
        _ => false,
    };

    /// <summary>Same type, dims and bytes (the name does not matter).</summary>
    private static bool SameTensor(Tensor a, Tensor b)
    {
        if (a.DataType != b.DataType || !a.Dims.SequenceEqual(b.Dims)) return false;
        return a.DataType == DataType.String
            ? a.Strings.Count == b.Strings.Count && a.Strings.Zip(b.Strings).All(p => p.First.AsSpan().SequenceEqual(p.Second))
            : a.RawBytes.SequenceEqual(b.RawBytes);
    }
}
