namespace EdgeOpt.Devices;

/// <summary>What a CPU cache holds.</summary>
public enum CacheKind
{
    Data,
    Instruction,
    Unified,
}

/// <summary>One CPU cache as seen from the first core.</summary>
/// <param name="Level">1 for L1, 2 for L2, ...</param>
/// <param name="Kind">Data, instruction or unified.</param>
/// <param name="SizeBytes">Capacity of one instance of this cache.</param>
/// <param name="SharedBy">How many logical CPUs share one instance (null: the source does not say).</param>
public sealed record CpuCache(int Level, CacheKind Kind, long SizeBytes, int? SharedBy)
{
    /// <summary>E.g. <c>"L1d 48 KiB"</c>.</summary>
    public override string ToString()
    {
        var suffix = Kind switch { CacheKind.Data => "d", CacheKind.Instruction => "i", _ => "" };
        var size = SizeBytes >= 1 << 20 && SizeBytes % (1 << 20) == 0 ? $"{SizeBytes >> 20} MiB" : $"{SizeBytes >> 10} KiB";
        return $"L{Level}{suffix} {size}";
    }
}
