namespace EdgeOpt.Onnx.Serialization;

// Decoded protobuf messages before names are linked into the IR. Only the reader sees these.

internal sealed class RawValueInfo
{
    public string Name = "";
    public OnnxType? Type;
    public string? DocString;
    public List<KeyValuePair<string, string>> Metadata = [];
}

internal sealed class RawAttribute
{
    public string Name = "";
    public string? RefAttrName;
    public string? DocString;
    public AttributeKind Kind;
    public float F;
    public long I;
    public byte[]? S;
    public Tensor? T;
    public RawGraph? G;
    public SparseTensor? SparseTensor;
    public OnnxType? Tp;
    public List<float> Floats = [];
    public List<long> Ints = [];
    public List<byte[]> Strings = [];
    public List<Tensor> Tensors = [];
    public List<RawGraph> Graphs = [];
    public List<SparseTensor> SparseTensors = [];
    public List<OnnxType> TypeProtos = [];
    public bool HasF, HasI, HasS;
}

internal sealed class RawNode
{
    public List<string> Inputs = [];
    public List<string> Outputs = [];
    public string Name = "";
    public string OpType = "";
    public string Domain = "";
    public string Overload = "";
    public List<RawAttribute> Attributes = [];
    public string? DocString;
    public List<KeyValuePair<string, string>> Metadata = [];
    public List<ReadOnlyMemory<byte>> DeviceConfigurations = [];
}

internal sealed class RawGraph
{
    public string Name = "";
    public List<RawNode> Nodes = [];
    public List<Tensor> Initializers = [];
    public List<SparseTensor> SparseInitializers = [];
    public string? DocString;
    public List<RawValueInfo> Inputs = [];
    public List<RawValueInfo> Outputs = [];
    public List<RawValueInfo> ValueInfo = [];
    public List<TensorAnnotation> QuantizationAnnotations = [];
    public List<KeyValuePair<string, string>> Metadata = [];
}

internal sealed class RawFunction
{
    public string Name = "";
    public string Domain = "";
    public string Overload = "";
    public List<string> Inputs = [];
    public List<string> Outputs = [];
    public List<string> AttributeNames = [];
    public List<RawAttribute> AttributeDefaults = [];
    public List<RawNode> Nodes = [];
    public List<OpsetImport> Opsets = [];
    public List<RawValueInfo> ValueInfo = [];
    public string? DocString;
    public List<KeyValuePair<string, string>> Metadata = [];
}
