using System.Collections.ObjectModel;

namespace EdgeOpt.Onnx;

/// <summary>
/// A graph: inputs, initializers, nodes and outputs, plus value types. Also the body of subgraphs (If/Loop/Scan)
/// and of local functions. Node order is kept as given; <see cref="SortTopologically"/> reorders.
/// </summary>
public sealed class Graph
{
    private readonly List<Node> _nodes = [];

    public Graph(string name = "")
    {
        Name = name;
        Inputs = new ScopedValueList(this);
        Initializers = new InitializerCollection(this);
    }

    public string Name { get; set; }
    public string? DocString { get; set; }
    public List<KeyValuePair<string, string>> MetadataProps { get; } = [];

    /// <summary>Graph inputs (in IR &lt; 4 models these may also be initializers).</summary>
    public Collection<Value> Inputs { get; }

    public List<Value> Outputs { get; } = [];

    /// <summary>Dense and sparse constants, in file order.</summary>
    public InitializerCollection Initializers { get; }

    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary><c>quantization_annotation</c> entries: tensor name and key/value pairs, kept as is.</summary>
    public List<TensorAnnotation> QuantizationAnnotations { get; } = [];

    /// <summary>The node whose attribute holds this graph (null for a main graph or function body).</summary>
    public Node? ParentNode { get; internal set; }

    /// <summary>The graph enclosing this one (via <see cref="ParentNode"/>).</summary>
    public Graph? ParentGraph => ParentNode?.Graph;

    /// <summary>Nesting depth: 0 for a main graph.</summary>
    public int Depth => ParentGraph is { } p ? p.Depth + 1 : 0;

    public Node AddNode(Node node) => InsertNode(_nodes.Count, node);

    public Node InsertNode(int index, Node node)
    {
        if (node.Graph is not null) ThrowHelper.InvalidOperation($"node {node.DisplayName} already belongs to a graph");
        _nodes.Insert(index, node);
        node.Graph = this;
        return node;
    }

    public Node InsertBefore(Node anchor, Node node) => InsertNode(IndexOf(anchor), node);
    public Node InsertAfter(Node anchor, Node node) => InsertNode(IndexOf(anchor) + 1, node);

    public int IndexOf(Node node)
    {
        var i = _nodes.IndexOf(node);
        if (i < 0) ThrowHelper.InvalidOperation($"node {node.DisplayName} is not in graph '{Name}'");
        return i;
    }

    /// <summary>Removes a node and detaches its inputs. Its outputs must be unused unless <paramref name="force"/>.</summary>
    public void RemoveNode(Node node, bool force = false)
    {
        if (!force)
            foreach (var o in node.Outputs)
                if (o.Uses.Count > 0 || Outputs.Contains(o))
                    ThrowHelper.InvalidOperation($"cannot remove {node.DisplayName}: output '{o.Name}' is still used");
        _nodes.RemoveAt(IndexOf(node));
        node.ClearInputs();
        node.Graph = null;
    }

    /// <summary>
    /// Takes a node out of this graph keeping its inputs and outputs linked, so it can be inserted into another graph
    /// (e.g. a branch's nodes spliced into the parent when an If is inlined).
    /// </summary>
    internal void DetachNode(Node node)
    {
        _nodes.RemoveAt(IndexOf(node));
        node.Graph = null;
    }

    /// <summary>Every node in this graph and, recursively, in its subgraphs.</summary>
    public IEnumerable<Node> AllNodes()
    {
        foreach (var n in _nodes)
        {
            yield return n;
            foreach (var g in n.Subgraphs)
                foreach (var inner in g.AllNodes()) yield return inner;
        }
    }

    /// <summary>This graph and every nested subgraph.</summary>
    public IEnumerable<Graph> AllGraphs()
    {
        yield return this;
        foreach (var n in _nodes)
            foreach (var g in n.Subgraphs)
                foreach (var inner in g.AllGraphs()) yield return inner;
    }

    /// <summary>Every value produced or defined in this graph scope (inputs, initializers, node outputs).</summary>
    public IEnumerable<Value> Values()
    {
        foreach (var v in Inputs) yield return v;
        foreach (var v in Initializers) if (!Inputs.Contains(v)) yield return v;
        foreach (var n in _nodes)
            foreach (var o in n.Outputs) yield return o;
    }

    /// <summary>
    /// Nodes in a dependency order (stable: ties keep file order). Dependencies include values that subgraphs
    /// capture from this scope. Throws <see cref="ModelFormatException"/> naming the nodes of a cycle.
    /// </summary>
    public IReadOnlyList<Node> TopologicalOrder()
    {
        var index = new Dictionary<Node, int>(_nodes.Count);
        for (var i = 0; i < _nodes.Count; i++) index[_nodes[i]] = i;
        var pending = new int[_nodes.Count];
        var consumers = new List<int>[_nodes.Count];
        for (var i = 0; i < _nodes.Count; i++)
        {
            consumers[i] = [];
        }
        for (var i = 0; i < _nodes.Count; i++)
        {
            foreach (var dep in Dependencies(_nodes[i]))
            {
                if (dep.Producer is { } p && index.TryGetValue(p, out var pi))
                {
                    pending[i]++;
                    consumers[pi].Add(i);
                }
            }
        }
        var ready = new PriorityQueue<int, int>();
        for (var i = 0; i < _nodes.Count; i++) if (pending[i] == 0) ready.Enqueue(i, i);
        var order = new List<Node>(_nodes.Count);
        while (ready.TryDequeue(out var i, out _))
        {
            order.Add(_nodes[i]);
            foreach (var c in consumers[i])
                if (--pending[c] == 0) ready.Enqueue(c, c);
        }
        if (order.Count != _nodes.Count)
        {
            var stuck = _nodes.Where((_, i) => pending[i] > 0).Take(5).Select(n => n.DisplayName);
            ThrowHelper.ModelFormat($"graph '{Name}' has a node cycle involving {string.Join(", ", stuck)}");
        }
        return order;
    }

    /// <summary>Reorders <see cref="Nodes"/> topologically.</summary>
    public void SortTopologically()
    {
        var order = TopologicalOrder();
        _nodes.Clear();
        _nodes.AddRange(order);
    }

    /// <summary>Direct inputs of a node plus outer values captured by its subgraphs.</summary>
    internal static IEnumerable<Value> Dependencies(Node node)
    {
        foreach (var v in node.Inputs) if (v is not null) yield return v;
        foreach (var g in node.Subgraphs)
            foreach (var v in g.CapturedValues()) yield return v;
    }

    /// <summary>Values used inside this graph (or deeper) that are defined outside it.</summary>
    public IEnumerable<Value> CapturedValues()
    {
        var seen = new HashSet<Value>();
        foreach (var n in AllNodes())
            foreach (var v in n.Inputs)
                if (v is not null && !IsDefinedWithin(v) && seen.Add(v)) yield return v;
    }

    private bool IsDefinedWithin(Value v)
    {
        var g = v.OwningGraph;
        while (g is not null)
        {
            if (ReferenceEquals(g, this)) return true;
            g = g.ParentGraph;
        }
        return false;
    }

    public override string ToString() => $"graph '{Name}' ({_nodes.Count} nodes)";

    private sealed class ScopedValueList(Graph owner) : Collection<Value>
    {
        protected override void InsertItem(int index, Value item)
        {
            if (item.Producer is null) item.Graph = owner;
            base.InsertItem(index, item);
        }

        protected override void SetItem(int index, Value item)
        {
            if (item.Producer is null) item.Graph = owner;
            base.SetItem(index, item);
        }
    }
}

/// <summary>A graph's constants in file order; each is a <see cref="Value"/> carrying its tensor.</summary>
public sealed class InitializerCollection : IReadOnlyList<Value>
{
    private readonly List<Value> _items = [];
    private readonly Dictionary<string, Value> _byName = new(StringComparer.Ordinal);
    private readonly Graph _owner;

    internal InitializerCollection(Graph owner) => _owner = owner;

    public int Count => _items.Count;
    public Value this[int index] => _items[index];

    public bool TryGet(string name, out Value value) => _byName.TryGetValue(name, out value!);

    /// <summary>Adds a dense constant as a new value named after the tensor.</summary>
    public Value Add(Tensor tensor)
    {
        var value = new Value(tensor.Name, new TensorType(tensor.DataType, tensor.Shape));
        Attach(value, tensor);
        return value;
    }

    /// <summary>Makes an existing value (e.g. a graph input) an initializer.</summary>
    public void Attach(Value value, Tensor tensor)
    {
        if (_byName.ContainsKey(value.Name)) ThrowHelper.ModelFormat($"graph '{_owner.Name}' has two initializers named '{value.Name}'");
        value.Initializer = tensor;
        value.Graph ??= _owner;
        _items.Add(value);
        _byName[value.Name] = value;
    }

    /// <summary>Adds a sparse constant.</summary>
    public Value AddSparse(SparseTensor tensor, Value? value = null)
    {
        value ??= new Value(tensor.Name, new SparseTensorType(tensor.Values.DataType, TensorShape.FromDims(tensor.Dims)));
        if (_byName.ContainsKey(value.Name)) ThrowHelper.ModelFormat($"graph '{_owner.Name}' has two initializers named '{value.Name}'");
        value.SparseInitializer = tensor;
        value.Graph ??= _owner;
        _items.Add(value);
        _byName[value.Name] = value;
        return value;
    }

    /// <summary>Removes a constant; it must be unused.</summary>
    public void Remove(Value value)
    {
        if (value.Uses.Count > 0) ThrowHelper.InvalidOperation($"initializer '{value.Name}' is still used");
        if (_items.Remove(value)) _byName.Remove(value.Name);
        value.Initializer = null;
        value.SparseInitializer = null;
    }

    /// <summary>
    /// Takes a constant out of this collection without checking its uses or clearing its payload: it is moving to
    /// another graph, or getting a new payload.
    /// </summary>
    internal void Detach(Value value)
    {
        if (_items.Remove(value)) _byName.Remove(value.Name);
    }

    /// <summary>Re-indexes after a value was renamed.</summary>
    public void Reindex()
    {
        _byName.Clear();
        foreach (var v in _items) _byName[v.Name] = v;
    }

    public IEnumerator<Value> GetEnumerator() => _items.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _items.GetEnumerator();
}

/// <summary>ONNX <c>TensorAnnotation</c>: quantization parameter names for one tensor.</summary>
public sealed record TensorAnnotation(string TensorName, IReadOnlyList<KeyValuePair<string, string>> QuantParameterTensorNames);
