namespace EdgeOpt.Quantization;

/// <summary>What <see cref="Float16Converter.Convert"/> changed.</summary>
/// <param name="TensorsConverted">Float32 constants (initializers and Constant/ConstantOfShape tensors) now stored as float16.</param>
/// <param name="ValuesConverted">Float32 values (inputs, outputs, intermediates) whose type is now float16.</param>
/// <param name="BlockedNodes">Display names of the nodes kept in float32 (block lists, or no float input to follow), subgraph bodies included.</param>
/// <param name="CastsInserted">Cast nodes added at precision boundaries.</param>
/// <param name="CastsRemoved">Cast nodes removed because they round-tripped float16 → float32 → float16 or became no-ops.</param>
/// <param name="ClampedValues">Weight elements outside float16's range (|x| &gt; 65504, infinities included) clamped to ±65504.</param>
/// <param name="FlushedValues">Non-zero weight elements below float16's smallest subnormal (2^-24) flushed to zero.</param>
/// <param name="WeightBytesBefore">Bytes of every float32 constant converted, before.</param>
/// <param name="WeightBytesAfter">Bytes of the same constants, after.</param>
public sealed record Float16Report(
    int TensorsConverted,
    int ValuesConverted,
    IReadOnlyList<string> BlockedNodes,
    int CastsInserted,
    int CastsRemoved,
    long ClampedValues,
    long FlushedValues,
    long WeightBytesBefore,
    long WeightBytesAfter)
{
    /// <summary>Every node kept in float32 (subgraph bodies included), with its operator and why.</summary>
    public IReadOnlyList<ExcludedNode> LeftInFloat { get; init; } = [];
}
