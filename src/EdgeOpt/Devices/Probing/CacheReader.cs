using System.Globalization;
using System.Runtime.Intrinsics.X86;

namespace EdgeOpt.Devices.Probing;

/// <summary>
/// CPU caches of the first core, from the first source that answers: Linux sysfs
/// (<c>/sys/devices/system/cpu/cpu0/cache/index*</c>), then on x64 CPUID's deterministic cache leaf (4 on Intel,
/// 0x8000001D on AMD), then AMD's legacy leaves 0x80000005/6 (which hypervisors often still fill in).
/// </summary>
internal static class CacheReader
{
    public static (IReadOnlyList<CpuCache> Caches, string Source) Read()
    {
        var caches = FromSysfs();
        if (caches.Count > 0) return (caches, "/sys/devices/system/cpu/cpu0/cache");
        if (!X86Base.IsSupported) return ([], "not reported (no sysfs cache directory)");

        caches = FromDeterministicLeaf(4);
        if (caches.Count > 0) return (caches, "CPUID leaf 4");
        caches = FromDeterministicLeaf(unchecked((int)0x8000001D));
        if (caches.Count > 0) return (caches, "CPUID leaf 0x8000001D");
        caches = FromAmdLegacyLeaves();
        return caches.Count > 0 ? (caches, "CPUID leaves 0x80000005/0x80000006 (sharing not reported)") : ([], "not reported by sysfs or CPUID");
    }

    private static List<CpuCache> FromSysfs()
    {
        const string dir = "/sys/devices/system/cpu/cpu0/cache";
        var caches = new List<CpuCache>();
        try
        {
            if (!Directory.Exists(dir)) return caches;
            foreach (var index in Directory.EnumerateDirectories(dir, "index*").Order(StringComparer.Ordinal))
            {
                var level = LinuxFiles.ReadLong(Path.Combine(index, "level"));
                var size = ParseSize(LinuxFiles.ReadText(Path.Combine(index, "size")));
                if (level is null || size is null) continue;
                var kind = LinuxFiles.ReadText(Path.Combine(index, "type")) switch
                {
                    "Data" => CacheKind.Data,
                    "Instruction" => CacheKind.Instruction,
                    _ => CacheKind.Unified,
                };
                caches.Add(new CpuCache((int)level, kind, size.Value, CountCpus(LinuxFiles.ReadText(Path.Combine(index, "shared_cpu_list")))));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            caches.Clear();
        }
        return caches;
    }

    // sysfs writes sizes as "48K", "1024K", "32M".
    private static long? ParseSize(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var multiplier = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L };
        var digits = multiplier == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value * multiplier : null;
    }

    // "0-3,8-11" → 8.
    private static int? CountCpus(string? list)
    {
        if (string.IsNullOrEmpty(list)) return null;
        var count = 0;
        foreach (var range in list.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = range.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0) { count++; continue; }
            if (!int.TryParse(range[..dash], CultureInfo.InvariantCulture, out var from) || !int.TryParse(range[(dash + 1)..], CultureInfo.InvariantCulture, out var to)) return null;
            count += to - from + 1;
        }
        return count;
    }

    // Intel SDM / AMD APM: EAX[4:0] type, [7:5] level, [25:14] sharing − 1; EBX ways/partitions/line − 1; ECX sets − 1.
    private static List<CpuCache> FromDeterministicLeaf(int leaf)
    {
        var caches = new List<CpuCache>();
        var maxLeaf = X86Base.CpuId(leaf < 0 ? unchecked((int)0x80000000) : 0, 0).Eax;
        if ((uint)maxLeaf < (uint)leaf) return caches;
        for (var sub = 0; sub < 16; sub++)
        {
            var (eax, ebx, ecx, _) = X86Base.CpuId(leaf, sub);
            var type = eax & 0x1F;
            if (type == 0) break;
            var kind = type switch { 1 => CacheKind.Data, 2 => CacheKind.Instruction, _ => CacheKind.Unified };
            long ways = ((ebx >> 22) & 0x3FF) + 1, partitions = ((ebx >> 12) & 0x3FF) + 1, line = (ebx & 0xFFF) + 1, sets = (uint)ecx + 1L;
            caches.Add(new CpuCache((eax >> 5) & 0x7, kind, ways * partitions * line * sets, ((eax >> 14) & 0xFFF) + 1));
        }
        return caches;
    }

    // AMD APM: 0x80000005 ECX[31:24]/EDX[31:24] L1d/L1i KiB; 0x80000006 ECX[31:16] L2 KiB, EDX[31:18] L3 in 512 KiB units.
    private static List<CpuCache> FromAmdLegacyLeaves()
    {
        var caches = new List<CpuCache>();
        if ((uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax < 0x80000006u) return caches;
        var (_, _, l1d, l1i) = X86Base.CpuId(unchecked((int)0x80000005), 0);
        var (_, _, l2, l3) = X86Base.CpuId(unchecked((int)0x80000006), 0);
        void Add(int level, CacheKind kind, long bytes)
        {
            if (bytes > 0) caches.Add(new CpuCache(level, kind, bytes, null));
        }

        Add(1, CacheKind.Data, (long)((uint)l1d >> 24) << 10);
        Add(1, CacheKind.Instruction, (long)((uint)l1i >> 24) << 10);
        Add(2, CacheKind.Unified, (long)((uint)l2 >> 16) << 10);
        Add(3, CacheKind.Unified, (long)((uint)l3 >> 18) * (512 << 10));
        return caches;
    }
}
