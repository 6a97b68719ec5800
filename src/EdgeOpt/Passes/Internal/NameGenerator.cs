using EdgeOpt.Onnx;

namespace EdgeOpt.Passes.Internal;

/// <summary>
/// Fresh names for values and nodes that passes create. ONNX needs value names unique across the whole model
/// (subgraphs may capture outer values by name, so an inner name must not shadow an outer one); one set covers
/// values and node names alike, which is stricter than ONNX but never wrong. Create one per pass run:
/// <code>
/// var names = new NameGenerator(model);
/// var fused = new Value(names.Fresh(conv.Outputs[0].Name + "_fused"));
/// var node = new Node("Conv", inputs, [fused], name: names.Fresh("Conv_fused"));
/// </code>
/// </summary>
internal sealed class NameGenerator
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _counters = new(StringComparer.Ordinal);

    /// <summary>Reserves every name already in <paramref name="model"/>: inputs, initializers, node outputs and node names, in all graphs.</summary>
    public NameGenerator(Model model)
        : this((model ?? throw new ArgumentNullException(nameof(model))).Graph.AllGraphs())
    {
    }

    /// <summary>Reserves the names in just these graphs (each one's own scope, not its subgraphs unless listed).</summary>
    public NameGenerator(IEnumerable<Graph> graphs)
    {
        foreach (var graph in graphs)
        {
            foreach (var v in graph.Inputs) Reserve(v.Name);
            foreach (var v in graph.Initializers) Reserve(v.Name);
            foreach (var v in graph.Outputs) Reserve(v.Name);
            foreach (var node in graph.Nodes)
            {
                Reserve(node.Name);
                foreach (var o in node.Outputs) Reserve(o.Name);
            }
        }
    }

    /// <summary>Whether <paramref name="name"/> is already used in the model (or was handed out).</summary>
    public bool IsTaken(string name) => _taken.Contains(name);

    /// <summary>Marks a name as used (e.g. one a pass chose itself); empty names are ignored.</summary>
    public void Reserve(string name)
    {
        if (name.Length > 0) _taken.Add(name);
    }

    /// <summary><paramref name="hint"/> itself when free, else <c>hint_1</c>, <c>hint_2</c>, ...; the result is reserved.</summary>
    public string Fresh(string hint)
    {
        if (hint.Length == 0) hint = "edgeopt";
        if (_taken.Add(hint)) return hint;
        var n = _counters.GetValueOrDefault(hint, 1);
        string candidate;
        do candidate = $"{hint}_{n++}";
        while (!_taken.Add(candidate));
        _counters[hint] = n;
        return candidate;
    }

    /// <summary>A new value with a fresh name derived from <paramref name="hint"/>.</summary>
    public Value NewValue(string hint, OnnxType? type = null) => new(Fresh(hint), type);
}
