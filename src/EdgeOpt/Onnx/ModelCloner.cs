namespace EdgeOpt.Onnx;

/// <summary>
/// Deep-copies a model's structure (graphs, nodes, values, attributes, functions) while sharing tensor payloads,
/// which are treated as immutable: a pass that changes weights makes a new <see cref="Tensor"/>.
/// </summary>
internal sealed class ModelCloner
{
    private readonly Dictionary<Value, Value> _values = [];

    public static Model Clone(Model source)
    {
        var cloner = new ModelCloner();
        var model = new Model(cloner.CloneGraph(source.Graph))
        {
            IrVersion = source.IrVersion,
            ProducerName = source.ProducerName,
            ProducerVersion = source.ProducerVersion,
            Domain = source.Domain,
            ModelVersion = source.ModelVersion,
            DocString = source.DocString,
        };
        model.OpsetImports.AddRange(source.OpsetImports);
        model.MetadataProps.AddRange(source.MetadataProps);
        model.TrainingInfo.AddRange(source.TrainingInfo);
        model.DeviceConfigurations.AddRange(source.DeviceConfigurations);
        model.SourcePath = source.SourcePath;
        foreach (var f in source.Functions)
        {
            var function = new OnnxFunction(f.Domain, f.Name, new ModelCloner().CloneGraph(f.Body)) { Overload = f.Overload, DocString = f.DocString };
            function.AttributeNames.AddRange(f.AttributeNames);
            function.AttributeDefaults.AddRange(f.AttributeDefaults.Select(a => new ModelCloner().CloneAttribute(a)));
            function.OpsetImports.AddRange(f.OpsetImports);
            function.MetadataProps.AddRange(f.MetadataProps);
            model.Functions.Add(function);
        }
        return model;
    }

    private Graph CloneGraph(Graph source)
    {
        var graph = new Graph(source.Name) { DocString = source.DocString };
        graph.MetadataProps.AddRange(source.MetadataProps);
        graph.QuantizationAnnotations.AddRange(source.QuantizationAnnotations);
        foreach (var input in source.Inputs) graph.Inputs.Add(Map(input));
        foreach (var init in source.Initializers)
        {
            var v = Map(init);
            if (init.Initializer is { } t) graph.Initializers.Attach(v, t);
            else if (init.SparseInitializer is { } s) graph.Initializers.AddSparse(s, v);
        }
        // Outputs of every node first, so inputs referring forward (unsorted graphs) resolve.
        foreach (var node in source.Nodes)
            foreach (var o in node.Outputs) Map(o);
        foreach (var node in source.Nodes)
        {
            var copy = new Node(node.OpType, node.Inputs.Select(i => i is null ? null : Map(i)), node.Outputs.Select(Map), node.Domain, node.Name)
            {
                Overload = node.Overload,
                DocString = node.DocString,
            };
            copy.MetadataProps.AddRange(node.MetadataProps);
            copy.DeviceConfigurations.AddRange(node.DeviceConfigurations);
            graph.AddNode(copy);
            foreach (var a in node.Attributes) copy.Attributes.Set(CloneAttribute(a));
        }
        foreach (var o in source.Outputs) graph.Outputs.Add(Map(o));
        return graph;
    }

    private OnnxAttribute CloneAttribute(OnnxAttribute a)
    {
        object? value = a.Value switch
        {
            Graph g => CloneGraph(g),
            Graph[] gs => gs.Select(CloneGraph).ToArray(),
            var other => other,
        };
        return new OnnxAttribute(a.Name, a.Kind, value) { RefAttributeName = a.RefAttributeName, DocString = a.DocString };
    }

    /// <summary>The copy of a value; values outside the cloned scope (never the case for whole models) map to themselves.</summary>
    private Value Map(Value v)
    {
        if (_values.TryGetValue(v, out var copy)) return copy;
        copy = new Value(v.Name, v.Type) { DocString = v.DocString };
        copy.MetadataProps.AddRange(v.MetadataProps);
        _values[v] = copy;
        return copy;
    }
}
