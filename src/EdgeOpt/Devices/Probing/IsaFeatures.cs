using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeOpt.Devices.Probing;

/// <summary>
/// The ISA extensions that matter for inference kernels. What .NET exposes comes from
/// <c>System.Runtime.Intrinsics</c> (which also checks the OS enabled the register state); what it does not
/// (512-bit VNNI, BF16, FP16 arithmetic, AMX, Arm SVE and i8mm) comes from <c>/proc/cpuinfo</c> flags, or on x64 without
/// that file from CPUID leaf 7.
/// </summary>
internal sealed record IsaFeatures(IReadOnlyList<string> Names, string Source)
{
    // x64: name, cpuinfo flag, CPUID leaf 7 (sub-leaf, register, bit) used when /proc/cpuinfo is absent.
    private static readonly (string Name, string Flag, int SubLeaf, char Register, int Bit)[] X64FromFlags =
    [
        ("Avx512Vnni", "avx512_vnni", 0, 'c', 11),
        ("Avx512Bf16", "avx512_bf16", 1, 'a', 5),
        ("Avx512Fp16", "avx512_fp16", 0, 'd', 23),
        ("AmxTile", "amx_tile", 0, 'd', 24),
        ("AmxInt8", "amx_int8", 0, 'd', 25),
        ("AmxBf16", "amx_bf16", 0, 'd', 22),
    ];

    private static readonly (string Name, string Flag)[] Arm64FromFlags =
    [
        ("Sve", "sve"), // System.Runtime.Intrinsics.Arm.Sve is still experimental (SYSLIB5003) in .NET 10
        ("Sve2", "sve2"),
        ("Fp16", "asimdhp"),
        ("I8mm", "i8mm"),
        ("Bf16", "bf16"),
        ("Sme", "sme"),
    ];

    public bool Has(string name) => Names.Contains(name, StringComparer.Ordinal);

    /// <summary>Widest SIMD register the FP32 kernels can use, in bits.</summary>
    public int VectorBits => Has("Avx512F") ? 512 : Has("Avx") ? 256 : 128;

    /// <summary>A single instruction multiplies 4 INT8 pairs into each 32-bit lane (VNNI, Arm dotprod).</summary>
    public bool HasInt8DotProduct => Has("Avx512Vnni") || Has("AvxVnni") || Has("Dp");

    /// <summary>Arithmetic in FP16 at twice the FP32 lanes (AVX512-FP16, Armv8.2 FP16).</summary>
    public bool HasNativeFp16 => Has("Avx512Fp16") || Has("Fp16");

    public static IsaFeatures Detect(CpuInfoFile cpuInfo)
    {
        var names = new List<string>();
        if (X86Base.IsSupported)
        {
            void Add(string name, bool supported)
            {
                if (supported) names.Add(name);
            }

            Add("Sse42", Sse42.IsSupported);
            Add("Avx", Avx.IsSupported);
            Add("Avx2", Avx2.IsSupported);
            Add("Fma", Fma.IsSupported);
            Add("Avx512F", Avx512F.IsSupported);
            Add("Avx512BW", Avx512BW.IsSupported);
            Add("Avx512DQ", Avx512DQ.IsSupported);
            Add("Avx512Vbmi", Avx512Vbmi.IsSupported);
            Add("AvxVnni", AvxVnni.IsSupported);
            Add("AvxVnniInt8", AvxVnniInt8.IsSupported);
            Add("Avx10v1", Avx10v1.IsSupported);
            Add("Avx10v2", Avx10v2.IsSupported);
            var fromCpuInfo = cpuInfo.Flags.Count > 0;
            foreach (var (name, flag, subLeaf, register, bit) in X64FromFlags)
            {
                // 512-bit extensions need the OS to save ZMM state, which Avx512F.IsSupported already checked.
                if (name.StartsWith("Avx512", StringComparison.Ordinal) && !Avx512F.IsSupported) continue;
                Add(name, fromCpuInfo ? cpuInfo.Flags.Contains(flag) : CpuIdBit(subLeaf, register, bit));
            }
            return new IsaFeatures(names, fromCpuInfo
                ? "System.Runtime.Intrinsics.X86 IsSupported; Avx512Vnni/Avx512Bf16/Avx512Fp16/AMX from /proc/cpuinfo flags (.NET does not expose them)"
                : "System.Runtime.Intrinsics.X86 IsSupported; Avx512Vnni/Avx512Bf16/Avx512Fp16/AMX from CPUID leaf 7 (.NET does not expose them)");
        }

        if (ArmBase.Arm64.IsSupported)
        {
            if (AdvSimd.IsSupported) names.Add("AdvSimd");
            if (Dp.IsSupported) names.Add("Dp");
            if (Rdm.IsSupported) names.Add("Rdm");
            foreach (var (name, flag) in Arm64FromFlags)
            {
                if (cpuInfo.Flags.Contains(flag)) names.Add(name);
            }
            return new IsaFeatures(names, "System.Runtime.Intrinsics.Arm IsSupported; Sve/Sve2/Fp16/I8mm/Bf16/Sme from /proc/cpuinfo Features (.NET does not expose them, or only experimentally)");
        }

        return new IsaFeatures(names, "no SIMD extensions known to .NET on this architecture");
    }

    private static bool CpuIdBit(int subLeaf, char register, int bit)
    {
        if (X86Base.CpuId(0, 0).Eax < 7) return false;
        var (eax, _, ecx, edx) = X86Base.CpuId(7, subLeaf);
        var value = register switch { 'a' => eax, 'c' => ecx, _ => edx };
        return (value >> bit & 1) != 0;
    }
}
