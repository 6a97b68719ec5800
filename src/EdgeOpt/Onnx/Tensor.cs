using System.Runtime.InteropServices;
using System.Text;

namespace EdgeOpt.Onnx;

/// <summary>
/// A constant tensor (an initializer, a Constant node's value or a tensor attribute). Bytes are stored
/// little-endian exactly as ONNX <c>raw_data</c> lays them out; sub-byte types are packed two (or four) per byte.
/// </summary>
public sealed class Tensor
{
    private TensorData? _data;
    private readonly byte[][]? _strings;
    private readonly long[] _dims;

    private Tensor(string name, DataType dataType, long[] dims, TensorData? data, byte[][]? strings)
    {
        Name = name;
        DataType = dataType;
        _dims = dims;
        _data = data;
        _strings = strings;
    }

    public string Name { get; set; }
    public DataType DataType { get; }
    public IReadOnlyList<long> Dims => _dims;
    public string? DocString { get; set; }
    public List<KeyValuePair<string, string>> MetadataProps { get; } = [];

    /// <summary>Number of elements (product of dims; 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in _dims) n = checked(n * d);
            return n;
        }
    }

    /// <summary>Payload size in bytes (for strings: the sum of the string lengths).</summary>
    public long ByteLength => _strings is not null ? _strings.Sum(s => (long)s.Length) : _data?.Length ?? 0;

    /// <summary>Where the bytes come from; null for string tensors.</summary>
    public TensorData? Data => _data;

    /// <summary>Whether the payload lives in an external data file.</summary>
    public ExternalDataInfo? External => (_data as ExternalTensorData)?.Info;

    /// <summary>The raw little-endian bytes (maps or reads a lazy payload on first use).</summary>
    public ReadOnlySpan<byte> RawBytes => RawMemory.Span;

    /// <summary>The raw little-endian bytes as memory.</summary>
    public ReadOnlyMemory<byte> RawMemory
    {
        get
        {
            if (_strings is not null) ThrowHelper.InvalidOperation($"tensor '{Name}' holds strings; use Strings");
            return _data?.Memory ?? ReadOnlyMemory<byte>.Empty;
        }
    }

    /// <summary>The elements of a string tensor, as bytes.</summary>
    public IReadOnlyList<byte[]> Strings => _strings ?? throw new InvalidOperationException($"tensor '{Name}' is {DataType.OnnxName()}, not string");

    public TensorShape Shape => TensorShape.FromDims(_dims);

    /// <summary>Creates a tensor over raw bytes (no copy). The length must match dims and type.</summary>
    public static Tensor FromRaw(string name, DataType dataType, IReadOnlyList<long> dims, ReadOnlyMemory<byte> raw) =>
        FromData(name, dataType, dims, TensorData.FromMemory(raw));

    /// <summary>Creates a tensor over a payload source (no copy). The length must match dims and type.</summary>
    public static Tensor FromData(string name, DataType dataType, IReadOnlyList<long> dims, TensorData data)
    {
        if (dataType == DataType.String) ThrowHelper.Argument("use FromStrings for string tensors", nameof(dataType));
        var d = dims.ToArray();
        var t = new Tensor(name, dataType, d, data, null);
        var expected = dataType.StorageBytes(t.ElementCount);
        if (dataType.IsFixedSize() && data.Length != expected)
            ThrowHelper.ModelFormat($"tensor '{name}': payload is {data.Length} bytes but {dataType.OnnxName()}[{string.Join(",", d)}] needs {expected}");
        return t;
    }

    /// <summary>Creates a tensor from values (copied).</summary>
    public static Tensor Create<T>(string name, ReadOnlySpan<T> values, params long[] dims) where T : unmanaged
    {
        var type = DataTypeOf<T>();
        var count = dims.Aggregate(1L, (a, b) => checked(a * b));
        if (count != values.Length) ThrowHelper.Argument($"tensor '{name}': {values.Length} values do not fill dims [{string.Join(",", dims)}]", nameof(values));
        return FromRaw(name, type, dims, MemoryMarshal.AsBytes(values).ToArray());
    }

    /// <summary>Creates a scalar (rank 0) tensor.</summary>
    public static Tensor Scalar<T>(string name, T value) where T : unmanaged => Create(name, [value]);

    /// <summary>Creates a string tensor.</summary>
    public static Tensor FromStrings(string name, IReadOnlyList<long> dims, IEnumerable<byte[]> values)
    {
        var t = new Tensor(name, DataType.String, dims.ToArray(), null, values.ToArray());
        if (t._strings!.Length != t.ElementCount)
            ThrowHelper.ModelFormat($"tensor '{name}': {t._strings.Length} strings do not fill dims [{string.Join(",", dims)}]");
        return t;
    }

    public static Tensor FromStrings(string name, IReadOnlyList<long> dims, IEnumerable<string> values) =>
        FromStrings(name, dims, values.Select(Encoding.UTF8.GetBytes));

    /// <summary>Copies the elements out as <typeparamref name="T"/>, which must match <see cref="DataType"/>.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        if (DataTypeOf<T>() != DataType && !(typeof(T) == typeof(byte) && DataType.BitWidth() == 8) && !(typeof(T) == typeof(ushort) && DataType.BitWidth() == 16))
            ThrowHelper.InvalidOperation($"tensor '{Name}' is {DataType.OnnxName()}, not {typeof(T).Name}");
        return MemoryMarshal.Cast<byte, T>(RawBytes).ToArray();
    }

    /// <summary>Elements converted to float (from any real numeric type except the packed sub-byte ones).</summary>
    public float[] ToSingleArray() => ElementConverter.ToSingle(DataType, RawBytes, checked((int)ElementCount), Name);

    /// <summary>Elements converted to long (from integer and bool types).</summary>
    public long[] ToInt64Array() => ElementConverter.ToInt64(DataType, RawBytes, checked((int)ElementCount), Name);

    /// <summary>Replaces the payload (a pass touched the weights).</summary>
    public void SetData(TensorData data)
    {
        var expected = DataType.StorageBytes(ElementCount);
        if (data.Length != expected) ThrowHelper.Argument($"tensor '{Name}': payload must be {expected} bytes", nameof(data));
        _data = data;
    }

    /// <summary>A copy with a new name sharing the (immutable) payload.</summary>
    public Tensor WithName(string name)
    {
        var t = new Tensor(name, DataType, _dims, _data, _strings) { DocString = DocString };
        t.MetadataProps.AddRange(MetadataProps);
        return t;
    }

    public static DataType DataTypeOf<T>() where T : unmanaged => typeof(T) switch
    {
        var t when t == typeof(float) => DataType.Float,
        var t when t == typeof(double) => DataType.Double,
        var t when t == typeof(Half) => DataType.Float16,
        var t when t == typeof(sbyte) => DataType.Int8,
        var t when t == typeof(byte) => DataType.UInt8,
        var t when t == typeof(short) => DataType.Int16,
        var t when t == typeof(ushort) => DataType.UInt16,
        var t when t == typeof(int) => DataType.Int32,
        var t when t == typeof(uint) => DataType.UInt32,
        var t when t == typeof(long) => DataType.Int64,
        var t when t == typeof(ulong) => DataType.UInt64,
        var t when t == typeof(bool) => DataType.Bool,
        _ => throw new NotSupportedException($"no ONNX data type for {typeof(T).Name}"),
    };

    public override string ToString() => $"{Name}: {DataType.OnnxName()}[{string.Join(",", _dims)}]";
}
