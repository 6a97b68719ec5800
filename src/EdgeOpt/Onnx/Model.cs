using EdgeOpt.Onnx.Serialization;

namespace EdgeOpt.Onnx;

/// <summary>An operator set import: domain ("" = ai.onnx) and version.</summary>
public readonly record struct OpsetImport(string Domain, long Version);

/// <summary>
/// An ONNX model: metadata, opset imports, the main graph and local functions. Loaded models keep weights as
/// views of the file until touched; dispose the model to release the file mappings early.
/// </summary>
public sealed class Model : IDisposable
{
    private readonly List<IDisposable> _resources = [];

    public Model(Graph graph) => Graph = graph;

    public long IrVersion { get; set; } = 8;
    public List<OpsetImport> OpsetImports { get; } = [];
    public string ProducerName { get; set; } = "";
    public string ProducerVersion { get; set; } = "";
    public string Domain { get; set; } = "";
    public long ModelVersion { get; set; }
    public string? DocString { get; set; }
    public Graph Graph { get; set; }
    public List<KeyValuePair<string, string>> MetadataProps { get; } = [];
    public List<OnnxFunction> Functions { get; } = [];

    /// <summary>Unparsed <c>training_info</c> entries, kept for round trips.</summary>
    public List<ReadOnlyMemory<byte>> TrainingInfo { get; } = [];

    /// <summary>Unparsed <c>configuration</c> entries (IR 11), kept for round trips.</summary>
    public List<ReadOnlyMemory<byte>> DeviceConfigurations { get; } = [];

    /// <summary>The file this model was loaded from, if any.</summary>
    public string? SourcePath { get; internal set; }

    /// <summary>The version imported for <paramref name="domain"/> ("" and "ai.onnx" are the same), or null.</summary>
    public long? GetOpset(string domain = "")
    {
        var d = NormalizeDomain(domain);
        foreach (var o in OpsetImports) if (NormalizeDomain(o.Domain) == d) return o.Version;
        return null;
    }

    /// <summary>Sets (or adds) the version imported for <paramref name="domain"/>.</summary>
    public void SetOpset(string domain, long version)
    {
        var d = NormalizeDomain(domain);
        var i = OpsetImports.FindIndex(o => NormalizeDomain(o.Domain) == d);
        if (i >= 0) OpsetImports[i] = OpsetImports[i] with { Version = version };
        else OpsetImports.Add(new OpsetImport(domain, version));
    }

    internal static string NormalizeDomain(string domain) => domain == "ai.onnx" ? "" : domain;

    /// <summary>Loads a model from an .onnx file (external data resolved next to it).</summary>
    public static Model Load(string path, ModelLoadOptions? options = null) => OnnxReader.Load(path, options ?? ModelLoadOptions.Default);

    /// <summary>Parses a model from bytes; external data, if any, is resolved under <paramref name="baseDirectory"/>.</summary>
    public static Model Parse(ReadOnlyMemory<byte> bytes, string? baseDirectory = null, ModelLoadOptions? options = null) =>
        OnnxReader.Parse(bytes, baseDirectory, "<memory>", options ?? ModelLoadOptions.Default);

    /// <summary>Saves atomically (temporary sibling, then rename); see <see cref="ModelSaveOptions"/> for external data.</summary>
    public void Save(string path, ModelSaveOptions? options = null) => OnnxWriter.Save(this, path, options ?? ModelSaveOptions.Default);

    /// <summary>
    /// A structural deep copy sharing (immutable) tensor payloads, so it is cheap even for large models. Payloads may
    /// be views of this model's mapped files: keep this model undisposed while the copy is in use.
    /// </summary>
    public Model Clone() => ModelCloner.Clone(this);

    /// <summary>Serializes with every tensor inline. Fails for models over 2 GiB.</summary>
    public byte[] ToBytes() => OnnxWriter.ToBytes(this);

    /// <summary>
    /// The exact size in bytes of the ONNX protobuf encoding with every tensor inline (the length <see cref="ToBytes"/>
    /// returns), computed from the IR without encoding: no payload is read or copied, and it works above 2 GiB.
    /// </summary>
    public long CalculateSerializedSize() => OnnxWriter.SerializedSize(this);

    /// <summary>Puts back the content of a snapshot taken with <see cref="Clone"/> (used to undo a failed pass).</summary>
    internal void RestoreFrom(Model snapshot)
    {
        IrVersion = snapshot.IrVersion;
        ProducerName = snapshot.ProducerName;
        ProducerVersion = snapshot.ProducerVersion;
        Domain = snapshot.Domain;
        ModelVersion = snapshot.ModelVersion;
        DocString = snapshot.DocString;
        Graph = snapshot.Graph;
        OpsetImports.Clear();
        OpsetImports.AddRange(snapshot.OpsetImports);
        MetadataProps.Clear();
        MetadataProps.AddRange(snapshot.MetadataProps);
        Functions.Clear();
        Functions.AddRange(snapshot.Functions);
    }

    internal void Own(IDisposable resource) => _resources.Add(resource);

    public void Dispose()
    {
        foreach (var r in _resources) r.Dispose();
        _resources.Clear();
    }
}
