namespace EdgeOpt.Onnx.Conversion;

/// <summary>Fresh value and node names that clash with nothing in the model (any graph, any scope).</summary>
internal sealed class UniqueNames
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private int _counter;

    public UniqueNames(Model model)
    {
        foreach (var g in model.Graph.AllGraphs())
        {
            foreach (var v in g.Values()) _taken.Add(v.Name);
            foreach (var n in g.Nodes)
            {
                _taken.Add(n.Name);
                foreach (var v in n.Inputs) if (v is not null) _taken.Add(v.Name);
            }
            foreach (var o in g.Outputs) _taken.Add(o.Name);
        }
    }

    public string Fresh(string stem)
    {
        string name;
        do name = $"{stem}_opset{_counter++}";
        while (!_taken.Add(name));
        return name;
    }
}
