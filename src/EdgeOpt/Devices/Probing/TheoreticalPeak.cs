using System.Globalization;

namespace EdgeOpt.Devices.Probing;

/// <summary>
/// Peak throughput from the ISA and clock alone: cores × GHz × SIMD pipes × lanes × 2 (one MAC = 2 operations).
/// Pipe counts are not discoverable from software, so the method string states the assumption; the measured peak
/// is the figure to trust, this one bounds it.
/// </summary>
internal static class TheoreticalPeak
{
    /// <summary>FMA-capable SIMD pipes per core: two on every AVX2/AVX-512 core since Haswell/Zen 2 and on Cortex-A76+/Neoverse.</summary>
    private const int AssumedPipes = 2;

    public static (IReadOnlyDictionary<Precision, double> Gops, string Method) Compute(IsaFeatures isa, int cores, double? ghz, string clockSource)
    {
        if (ghz is not { } clock) return (new Dictionary<Precision, double>(), "not computed: the CPU clock is unknown");

        var x64 = isa.Has("Sse42") || isa.Has("Avx");
        var fp32Lanes = isa.VectorBits / 32;
        var macsPerPipe = isa.Has("Fma") || !x64 ? 1.0 : 0.5; // without FMA a MAC takes a multiply and an add
        var fp32 = cores * clock * AssumedPipes * fp32Lanes * macsPerPipe * 2;

        double int8;
        string int8Rule;
        if (isa.HasInt8DotProduct)
        {
            // VNNI vpdpbusd / Arm sdot: 4 INT8 MACs per 32-bit lane per instruction.
            var lanes = isa.Has("Avx512Vnni") ? 16 : x64 ? 8 : 4;
            int8 = cores * clock * AssumedPipes * lanes * 4 * 2;
            int8Rule = x64 ? $"INT8 = {lanes} lanes × 4 MACs per VNNI vpdpbusd" : "INT8 = 4 lanes × 4 MACs per sdot";
        }
        else if (x64)
        {
            // vpmaddubsw + vpmaddwd + vpaddd: 4 INT8 MACs per 32-bit lane every 3 instructions.
            var lanes = isa.Has("Avx512BW") ? 16 : isa.Has("Avx2") ? 8 : 4;
            int8 = cores * clock * AssumedPipes * lanes * 4 / 3.0 * 2;
            int8Rule = $"INT8 = {lanes} lanes × 4 MACs per 3 instructions (vpmaddubsw+vpmaddwd+vpaddd, no VNNI)";
        }
        else
        {
            int8 = fp32 * 2;
            int8Rule = "INT8 = 8 × 16-bit lanes per widening multiply-accumulate (no dotprod)";
        }

        var fp16 = isa.HasNativeFp16 ? fp32 * 2 : fp32;
        var fp16Rule = isa.HasNativeFp16 ? "FP16 = 2 × FP32 lanes (native FP16 arithmetic)" : "FP16 = FP32 (no FP16 arithmetic: computed in FP32)";
        var method = string.Create(CultureInfo.InvariantCulture,
            $"cores × GHz × pipes × MACs/cycle × 2 with {cores} cores, {clock:0.###} GHz ({clockSource}), {AssumedPipes} SIMD pipes per core (assumed), " +
            $"FP32 = {fp32Lanes} lanes ({isa.VectorBits}-bit{(macsPerPipe < 1 ? ", no FMA: half rate" : " FMA")}); {int8Rule}; {fp16Rule}");
        return (new Dictionary<Precision, double> { [Precision.Fp32] = fp32, [Precision.Fp16] = fp16, [Precision.Int8] = int8 }, method);
    }
}
