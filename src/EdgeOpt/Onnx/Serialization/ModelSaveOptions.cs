namespace EdgeOpt.Onnx.Serialization;

/// <summary>How a model is written.</summary>
public sealed record ModelSaveOptions
{
    public static ModelSaveOptions Default { get; } = new();

    /// <summary>Store large tensors in external data files. Turned on automatically for models over 2 GiB.</summary>
    public bool ExternalData { get; init; }

    /// <summary>Tensors of at least this many bytes go to external data (when <see cref="ExternalData"/> applies).</summary>
    public long ExternalDataThreshold { get; init; } = 1024;

    /// <summary>External data file name, relative to the model's folder; default <c>&lt;model file name&gt;.data</c>.</summary>
    public string? ExternalDataLocation { get; init; }

    /// <summary>Write one external file per tensor instead of a single file.</summary>
    public bool ExternalDataFilePerTensor { get; init; }

    /// <summary>Byte alignment of each tensor inside the external file (page-sized lets runtimes memory-map it).</summary>
    public int ExternalDataAlignment { get; init; } = 4096;

    /// <summary>Also move large tensors held in attributes (Constant nodes) to external data.</summary>
    public bool ExternalDataIncludesAttributes { get; init; }

    /// <summary>Every problem with these options, all at once (empty: they can work); saving refuses through it.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (ExternalDataThreshold < 0)
            problems.Add(new($"{{0}} {ExternalDataThreshold}: expected a size in bytes, 0 or more", $"{nameof(ModelSaveOptions)}.{nameof(ExternalDataThreshold)}"));
        return problems;
    }
}
