using EdgeOpt.Onnx.Conversion;

namespace EdgeOpt.Passes;

/// <summary>
/// The outcome of <see cref="ModelOptimizer.Optimize"/>: what the pass manager did, what opset conversion did,
/// and totals over the whole run (fixed shapes, conversion and passes together).
/// </summary>
public sealed record OptimizationResult(
    OptimizationReport Passes,
    OpsetChange? Conversion,
    IReadOnlyDictionary<string, long[]> FixedShapes,
    int NodesBefore,
    int NodesAfter,
    long InitializerBytesBefore,
    long InitializerBytesAfter,
    TimeSpan Elapsed)
{
    /// <summary>The inputs that were specialised to constants (<see cref="OptimizationOptions.Bindings"/>).</summary>
    public IReadOnlyDictionary<string, string> Bindings { get; init; } = new Dictionary<string, string>();
}

/// <summary>The opset conversion step: the converter's report, the node count around it and its time.</summary>
public sealed record OpsetChange(OpsetConversionReport Report, int NodesBefore, int NodesAfter, TimeSpan Elapsed);
