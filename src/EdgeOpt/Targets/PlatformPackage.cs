namespace EdgeOpt.Targets;

/// <summary>A platform package <see cref="Packager"/> wrote: its files, what it found out and what was verified here.</summary>
public sealed record PlatformPackage
{
    /// <summary>The package folder (absolute).</summary>
    public required string Folder { get; init; }

    /// <summary>The platform it is for.</summary>
    public required PackageTarget Target { get; init; }

    /// <summary>The catalogue device it was tuned for, or null.</summary>
    public string? Device { get; init; }

    /// <summary>The precision shipped.</summary>
    public required PackagePrecision Precision { get; init; }

    /// <summary>The ONNX Runtime version the package targets (the one that converted and verified it here).</summary>
    public required string OnnxRuntimeVersion { get; init; }

    /// <summary>Every file, relative path with '/' separators, sorted.</summary>
    public required IReadOnlyList<PackagedFile> Files { get; init; }

    /// <summary>Execution-provider reports (NNAPI, Core ML, TensorRT), in the order the package's README gives them.</summary>
    public IReadOnlyList<ProviderReport> Providers { get; init; } = [];

    /// <summary>What was checked on this machine, each with its result.</summary>
    public IReadOnlyList<PackageCheck> Checks { get; init; } = [];

    /// <summary>What only the device can verify (engine builds, accelerator latency, ...).</summary>
    public IReadOnlyList<string> DeviceOnly { get; init; } = [];

    /// <summary>Decisions and caveats worth reading.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>One file of a package.</summary>
/// <param name="Path">Relative to the package folder, '/' separated.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of its bytes.</param>
public sealed record PackagedFile(string Path, long Bytes, string Sha256);

/// <summary>One check done on this machine.</summary>
/// <param name="What">What was checked, e.g. "model.ort loads in ONNX Runtime 1.31.1 and matches model.onnx".</param>
/// <param name="Passed">Whether it held.</param>
/// <param name="Detail">The figures (errors and tolerances, counts) or the failure.</param>
public sealed record PackageCheck(string What, bool Passed, string Detail);

/// <summary>How worthwhile ONNX Runtime's usability checker calls an execution provider for a model.</summary>
public enum ProviderSuitability
{
    /// <summary>More than two partitions, or too few nodes covered: slower than the CPU provider, most likely.</summary>
    No,

    /// <summary>One partition over 50 % of the nodes, or two over 75 %: measure on the device.</summary>
    Maybe,

    /// <summary>One partition over 75 % of the nodes.</summary>
    Yes,
}

/// <summary>
/// How ONNX Runtime would split a model between an execution provider and the CPU, in the terms of its mobile usability
/// checker: partitions (grouped the way ORT's <c>CreateSupportedPartitionNodeGroups</c> does), nodes covered,
/// the YES/MAYBE/NO verdict, the unsupported nodes with reasons, and the provider options chosen for the model.
/// </summary>
public sealed record ProviderReport
{
    /// <summary>Provider name as ORT spells it, with the format where it matters: "NNAPI", "CoreML (MLProgram)", "TensorRT".</summary>
    public required string Provider { get; init; }

    /// <summary>The published support table the rules follow.</summary>
    public required string TableSource { get; init; }

    /// <summary>Nodes of the main graph analysed.</summary>
    public required int Nodes { get; init; }

    /// <summary>Nodes inside control-flow subgraphs, which these providers do not take (they count against coverage, as in ORT's checker).</summary>
    public int NodesInSubgraphs { get; init; }

    /// <summary>Nodes the provider takes.</summary>
    public required int SupportedNodes { get; init; }

    /// <summary>Node count of each partition, in ORT's grouping order.</summary>
    public required IReadOnlyList<int> PartitionSizes { get; init; }

    /// <summary>Number of partitions.</summary>
    public int Partitions => PartitionSizes.Count;

    /// <summary>ORT's rule on partitions and coverage.</summary>
    public required ProviderSuitability Suitability { get; init; }

    /// <summary>The checker's summary: "&lt;n&gt; partitions with a total of &lt;k&gt;/&lt;N&gt; nodes can be handled by the NNAPI EP." and its verdict sentence.</summary>
    public required IReadOnlyList<string> Summary { get; init; }

    /// <summary>Unsupported nodes: name, operator and why.</summary>
    public required IReadOnlyList<UnsupportedNode> Unsupported { get; init; }

    /// <summary>Advice (fixed shapes, deprecation, what to use instead).</summary>
    public IReadOnlyList<string> Advice { get; init; } = [];

    /// <summary>Provider options chosen for this model (flag or key → value), as the package's code snippet sets them.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
}

/// <summary>A node a provider does not take.</summary>
/// <param name="Node">Its name (or first output's name when unnamed).</param>
/// <param name="OpType">domain:op, e.g. <c>ai.onnx:Loop</c>.</param>
/// <param name="Reason">The rule that failed.</param>
public sealed record UnsupportedNode(string Node, string OpType, string Reason);
