using System.Globalization;
using System.Text;

namespace EdgeOpt.Onnx;

/// <summary>ONNX attribute kinds; values equal <c>AttributeProto.AttributeType</c>.</summary>
public enum AttributeKind
{
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Graph = 5,
    Floats = 6,
    Ints = 7,
    Strings = 8,
    Tensors = 9,
    Graphs = 10,
    SparseTensor = 11,
    SparseTensors = 12,
    TypeProto = 13,
    TypeProtos = 14,
}

/// <summary>
/// A node attribute. The payload type follows <see cref="Kind"/>: float, long, byte[] (ONNX strings are bytes),
/// <see cref="Onnx.Tensor"/>, <see cref="Onnx.Graph"/>, <see cref="Onnx.SparseTensor"/>, <see cref="OnnxType"/>,
/// or arrays of those. In a function body an attribute may instead refer to a function attribute (<see cref="RefAttributeName"/>).
/// </summary>
public sealed class OnnxAttribute
{
    public OnnxAttribute(string name, AttributeKind kind, object? value)
    {
        Name = name;
        Kind = kind;
        Value = value;
    }

    public string Name { get; }
    public AttributeKind Kind { get; }
    public object? Value { get; }
    public string? RefAttributeName { get; init; }
    public string? DocString { get; set; }

    public float AsFloat() => Get<float>();
    public long AsInt() => Get<long>();
    public byte[] AsBytes() => Get<byte[]>();
    public string AsString() => Encoding.UTF8.GetString(Get<byte[]>());
    public Tensor AsTensor() => Get<Tensor>();
    public Graph AsGraph() => Get<Graph>();
    public SparseTensor AsSparseTensor() => Get<SparseTensor>();
    public OnnxType AsType() => Get<OnnxType>();
    public float[] AsFloats() => Get<float[]>();
    public long[] AsInts() => Get<long[]>();
    public byte[][] AsByteStrings() => Get<byte[][]>();
    public string[] AsStrings() => Get<byte[][]>().Select(b => Encoding.UTF8.GetString(b)).ToArray();
    public Tensor[] AsTensors() => Get<Tensor[]>();
    public Graph[] AsGraphs() => Get<Graph[]>();
    public SparseTensor[] AsSparseTensors() => Get<SparseTensor[]>();
    public OnnxType[] AsTypes() => Get<OnnxType[]>();

    /// <summary>The subgraphs this attribute holds (none for non-graph kinds).</summary>
    public IEnumerable<Graph> Subgraphs => Value switch
    {
        Graph g => [g],
        Graph[] gs => gs,
        _ => [],
    };

    private T Get<T>() => Value is T v
        ? v
        : throw new InvalidOperationException($"attribute '{Name}' is {Kind}{(RefAttributeName is null ? "" : $" (refers to '{RefAttributeName}')")}, not {typeof(T).Name}");

    public static OnnxAttribute Float(string name, float value) => new(name, AttributeKind.Float, value);
    public static OnnxAttribute Int(string name, long value) => new(name, AttributeKind.Int, value);
    public static OnnxAttribute String(string name, string value) => new(name, AttributeKind.String, Encoding.UTF8.GetBytes(value));
    public static OnnxAttribute Bytes(string name, byte[] value) => new(name, AttributeKind.String, value);
    public static OnnxAttribute FromTensor(string name, Tensor value) => new(name, AttributeKind.Tensor, value);
    public static OnnxAttribute FromGraph(string name, Graph value) => new(name, AttributeKind.Graph, value);
    public static OnnxAttribute Floats(string name, params float[] values) => new(name, AttributeKind.Floats, values);
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, AttributeKind.Ints, values);
    public static OnnxAttribute Strings(string name, params string[] values) =>
        new(name, AttributeKind.Strings, values.Select(Encoding.UTF8.GetBytes).ToArray());

    /// <summary>Builds an attribute from a CLR value: float/double, int/long, string, Tensor, Graph, and arrays.</summary>
    public static OnnxAttribute From(string name, object value) => value switch
    {
        float f => Float(name, f),
        double d => Float(name, (float)d),
        int i => Int(name, i),
        long l => Int(name, l),
        bool b => Int(name, b ? 1 : 0),
        string s => String(name, s),
        byte[] b => Bytes(name, b),
        Tensor t => FromTensor(name, t),
        Graph g => FromGraph(name, g),
        float[] fs => Floats(name, fs),
        double[] ds => Floats(name, ds.Select(x => (float)x).ToArray()),
        int[] ins => Ints(name, ins.Select(x => (long)x).ToArray()),
        long[] ls => Ints(name, ls),
        string[] ss => Strings(name, ss),
        Tensor[] ts => new(name, AttributeKind.Tensors, ts),
        Graph[] gs => new(name, AttributeKind.Graphs, gs),
        OnnxType tp => new(name, AttributeKind.TypeProto, tp),
        _ => throw new ArgumentException($"attribute '{name}': no ONNX attribute kind for {value.GetType().Name}", nameof(value)),
    };

    public override string ToString() => Value switch
    {
        float f => $"{Name}={f.ToString(CultureInfo.InvariantCulture)}",
        long l => $"{Name}={l}",
        byte[] b => $"{Name}=\"{Encoding.UTF8.GetString(b)}\"",
        long[] ls => $"{Name}=[{string.Join(",", ls)}]",
        float[] fs => $"{Name}=[{string.Join(",", fs.Select(f => f.ToString(CultureInfo.InvariantCulture)))}]",
        _ => $"{Name}:{Kind}",
    };
}

/// <summary>A node's attributes in declaration order, looked up by name.</summary>
public sealed class AttributeCollection : IReadOnlyList<OnnxAttribute>
{
    private readonly List<OnnxAttribute> _items = [];
    private readonly Node? _owner;

    internal AttributeCollection(Node? owner) => _owner = owner;

    public int Count => _items.Count;
    public OnnxAttribute this[int index] => _items[index];

    public OnnxAttribute? this[string name] => _items.Find(a => a.Name == name);

    public bool Contains(string name) => _items.Exists(a => a.Name == name);

    /// <summary>Adds or replaces the attribute with the same name.</summary>
    public void Set(OnnxAttribute attribute)
    {
        var i = _items.FindIndex(a => a.Name == attribute.Name);
        if (i >= 0) Detach(_items[i]);
        if (i >= 0) _items[i] = attribute; else _items.Add(attribute);
        if (_owner is not null)
            foreach (var g in attribute.Subgraphs) g.ParentNode = _owner;
    }

    public void Set(string name, object value) => Set(OnnxAttribute.From(name, value));

    public bool Remove(string name)
    {
        var i = _items.FindIndex(a => a.Name == name);
        if (i < 0) return false;
        Detach(_items[i]);
        _items.RemoveAt(i);
        return true;
    }

    private static void Detach(OnnxAttribute a)
    {
        foreach (var g in a.Subgraphs) g.ParentNode = null;
    }

    public long GetInt(string name, long defaultValue) => this[name] is { Value: long v } ? v : defaultValue;
    public float GetFloat(string name, float defaultValue) => this[name] is { Value: float v } ? v : defaultValue;
    public string? GetString(string name, string? defaultValue = null) => this[name] is { Kind: AttributeKind.String } a ? a.AsString() : defaultValue;
    public long[]? GetInts(string name) => this[name] is { Value: long[] v } ? v : null;
    public float[]? GetFloats(string name) => this[name] is { Value: float[] v } ? v : null;

    public IEnumerator<OnnxAttribute> GetEnumerator() => _items.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _items.GetEnumerator();
}
