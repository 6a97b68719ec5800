namespace EdgeOpt.Onnx;

/// <summary>
/// A model-local function (ONNX <c>FunctionProto</c>). Its <see cref="Body"/> holds the inputs, outputs and nodes;
/// nodes in the model call it by <see cref="Domain"/>, <see cref="Name"/> and <see cref="Overload"/>.
/// </summary>
public sealed class OnnxFunction(string domain, string name, Graph body)
{
    public string Domain { get; set; } = domain;
    public string Name { get; set; } = name;
    public string Overload { get; set; } = "";
    public Graph Body { get; } = body;

    /// <summary>Names of the attributes the function accepts without defaults.</summary>
    public List<string> AttributeNames { get; } = [];

    /// <summary>Attributes the function accepts with default values.</summary>
    public List<OnnxAttribute> AttributeDefaults { get; } = [];

    public List<OpsetImport> OpsetImports { get; } = [];
    public string? DocString { get; set; }
    public List<KeyValuePair<string, string>> MetadataProps { get; } = [];

    public override string ToString() => $"function {Domain}.{Name}";
}
