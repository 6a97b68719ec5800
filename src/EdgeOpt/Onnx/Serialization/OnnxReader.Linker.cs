namespace EdgeOpt.Onnx.Serialization;

internal sealed partial class OnnxReader
{
    private RawFunction ReadFunction(ProtoReader r)
    {
        var f = new RawFunction();
        while (r.TryReadTag(out var field, out var wt))
        {
            switch (field)
            {
                case 1: r.Expect(wt, WireType.LengthDelimited); f.Name = r.ReadString(); break;
                case 4: r.Expect(wt, WireType.LengthDelimited); f.Inputs.Add(r.ReadString()); break;
                case 5: r.Expect(wt, WireType.LengthDelimited); f.Outputs.Add(r.ReadString()); break;
                case 6: r.Expect(wt, WireType.LengthDelimited); f.AttributeNames.Add(r.ReadString()); break;
                case 7: r.Expect(wt, WireType.LengthDelimited); f.Nodes.Add(Enter(ref r, ReadNode)); break;
                case 8: r.Expect(wt, WireType.LengthDelimited); f.DocString = r.ReadString(); break;
                case 9: r.Expect(wt, WireType.LengthDelimited); f.Opsets.Add(ReadOpset(r.ReadMessage())); break;
                case 10: r.Expect(wt, WireType.LengthDelimited); f.Domain = r.ReadString(); break;
                case 11: r.Expect(wt, WireType.LengthDelimited); f.AttributeDefaults.Add(Enter(ref r, ReadAttribute)); break;
                case 12: r.Expect(wt, WireType.LengthDelimited); f.ValueInfo.Add(Enter(ref r, ReadValueInfo)); break;
                case 13: r.Expect(wt, WireType.LengthDelimited); f.Overload = r.ReadString(); break;
                case 14: r.Expect(wt, WireType.LengthDelimited); f.Metadata.Add(ReadEntry(r.ReadMessage())); break;
                default: r.Skip(wt); break;
            }
        }
        return f;
    }

    /// <summary>Turns names into use-def links, scope by scope (subgraphs see their enclosing graphs' values).</summary>
    private sealed class Linker(OnnxReader reader)
    {
        internal sealed class Scope(Scope? parent)
        {
            private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);

            public bool TryDefine(string name, Value value) => _values.TryAdd(name, value);
            public bool TryGetLocal(string name, out Value value) => _values.TryGetValue(name, out value!);

            public Value? Resolve(string name)
            {
                for (var s = this; s is not null; s = s.Parent)
                    if (s._values.TryGetValue(name, out var v)) return v;
                return null;
            }

            public Scope? Parent { get; } = parent;
        }


        public Graph LinkGraph(RawGraph raw, Scope? parent, int depth)
        {
            if (depth > reader._options.MaxSubgraphDepth)
                ThrowHelper.ModelFormat($"{reader._fileName}: subgraphs are nested deeper than the limit of {reader._options.MaxSubgraphDepth} (at graph '{raw.Name}')");
            var graph = new Graph(raw.Name) { DocString = raw.DocString };
            graph.MetadataProps.AddRange(raw.Metadata);
            graph.QuantizationAnnotations.AddRange(raw.QuantizationAnnotations);
            var scope = new Scope(parent);

            foreach (var info in raw.Inputs)
            {
                var v = NewValue(info);
                graph.Inputs.Add(v);
                Define(scope, graph, v, "graph input");
            }
            foreach (var t in raw.Initializers)
            {
                if (t.Name.Length == 0) ThrowHelper.ModelFormat($"{reader._fileName}: graph '{raw.Name}' has an initializer without a name");
                if (scope.TryGetLocal(t.Name, out var existing) && existing.IsGraphInput && !existing.IsInitializer)
                {
                    // IR < 4 style: the initializer provides a default value for a graph input.
                    graph.Initializers.Attach(existing, t);
                }
                else
                {
                    Define(scope, graph, graph.Initializers.Add(t), "initializer");
                }
            }
            foreach (var s in raw.SparseInitializers)
            {
                if (scope.TryGetLocal(s.Name, out var existing) && existing.IsGraphInput && !existing.IsInitializer)
                    graph.Initializers.AddSparse(s, existing);
                else
                    Define(scope, graph, graph.Initializers.AddSparse(s), "sparse initializer");
            }

            var nodes = new List<(RawNode Raw, Node Node)>(raw.Nodes.Count);
            foreach (var rn in raw.Nodes)
            {
                var outputs = rn.Outputs.Select(name => new Value(name)).ToList();
                var node = new Node(rn.OpType, [], outputs, rn.Domain, rn.Name)
                {
                    Overload = rn.Overload,
                    DocString = rn.DocString,
                };
                node.MetadataProps.AddRange(rn.Metadata);
                node.DeviceConfigurations.AddRange(rn.DeviceConfigurations);
                graph.AddNode(node);
                foreach (var o in outputs)
                    if (o.Name.Length > 0) Define(scope, graph, o, $"output of node {node.DisplayName}");
                nodes.Add((rn, node));
            }

            foreach (var (rn, node) in nodes)
            {
                foreach (var name in rn.Inputs)
                {
                    if (name.Length == 0)
                    {
                        node.AddInput(null);
                        continue;
                    }
                    var v = scope.Resolve(name);
                    if (v is null)
                    {
                        if (reader._options.ValidateGraph)
                            ThrowHelper.ModelFormat($"{reader._fileName}: node {node.DisplayName} in graph '{raw.Name}' uses '{name}', which no input, initializer or node defines");
                        v = new Value(name);
                    }
                    node.AddInput(v);
                }
                foreach (var ra in rn.Attributes) node.Attributes.Set(LinkAttribute(ra, scope, depth));
            }

            foreach (var info in raw.ValueInfo)
            {
                if (!scope.TryGetLocal(info.Name, out var v)) continue;
                v.Type ??= info.Type;
                v.DocString ??= info.DocString;
                if (v.MetadataProps.Count == 0) v.MetadataProps.AddRange(info.Metadata);
            }
            foreach (var info in raw.Outputs)
            {
                var v = scope.Resolve(info.Name);
                if (v is null)
                {
                    if (reader._options.ValidateGraph)
                        ThrowHelper.ModelFormat($"{reader._fileName}: graph '{raw.Name}' output '{info.Name}' is not defined by any input, initializer or node");
                    v = new Value(info.Name);
                }
                if (info.Type is not null && (v.Producer is not null || v.Type is null)) v.Type = info.Type;
                v.DocString ??= info.DocString;
                if (v.MetadataProps.Count == 0) v.MetadataProps.AddRange(info.Metadata);
                graph.Outputs.Add(v);
            }
            return graph;
        }

        public OnnxFunction LinkFunction(RawFunction raw)
        {
            var body = new RawGraph { Name = raw.Name, Nodes = raw.Nodes, ValueInfo = raw.ValueInfo };
            body.Inputs.AddRange(raw.Inputs.Select(n => new RawValueInfo { Name = n }));
            body.Outputs.AddRange(raw.Outputs.Select(n => new RawValueInfo { Name = n }));
            var function = new OnnxFunction(raw.Domain, raw.Name, LinkGraph(body, null, 0))
            {
                Overload = raw.Overload,
                DocString = raw.DocString,
            };
            function.AttributeNames.AddRange(raw.AttributeNames);
            foreach (var a in raw.AttributeDefaults) function.AttributeDefaults.Add(LinkAttribute(a, null, 0));
            function.OpsetImports.AddRange(raw.Opsets);
            function.MetadataProps.AddRange(raw.Metadata);
            return function;
        }

        private OnnxAttribute LinkAttribute(RawAttribute a, Scope? scope, int depth)
        {
            object? value = a.Kind switch
            {
                AttributeKind.Float => a.F,
                AttributeKind.Int => a.I,
                AttributeKind.String => a.S ?? [],
                AttributeKind.Tensor => a.T,
                AttributeKind.Graph => a.G is null ? null : LinkGraph(a.G, scope, depth + 1),
                AttributeKind.SparseTensor => a.SparseTensor,
                AttributeKind.TypeProto => a.Tp,
                AttributeKind.Floats => a.Floats.ToArray(),
                AttributeKind.Ints => a.Ints.ToArray(),
                AttributeKind.Strings => a.Strings.ToArray(),
                AttributeKind.Tensors => a.Tensors.ToArray(),
                AttributeKind.Graphs => a.Graphs.Select(g => LinkGraph(g, scope, depth + 1)).ToArray(),
                AttributeKind.SparseTensors => a.SparseTensors.ToArray(),
                AttributeKind.TypeProtos => a.TypeProtos.ToArray(),
                _ => null,
            };
            return new OnnxAttribute(a.Name, a.Kind, value) { RefAttributeName = a.RefAttrName, DocString = a.DocString };
        }

        private Value NewValue(RawValueInfo info)
        {
            var v = new Value(info.Name, info.Type) { DocString = info.DocString };
            v.MetadataProps.AddRange(info.Metadata);
            return v;
        }

        private void Define(Scope scope, Graph graph, Value value, string what)
        {
            if (!scope.TryDefine(value.Name, value) && reader._options.ValidateGraph)
                ThrowHelper.ModelFormat($"{reader._fileName}: graph '{graph.Name}' defines '{value.Name}' twice (again as {what})");
        }
    }
}
