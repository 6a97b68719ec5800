using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeOpt.Devices.Probing;

/// <summary>
/// Multiply-accumulate loops that keep the SIMD units busy: many independent accumulators (more than FMA latency ×
/// pipes on current cores) so the loop is throughput-bound, no memory traffic, and the result is consumed so the JIT
/// cannot drop the work. Each kernel returns how many multiply-accumulates it did.
/// </summary>
internal static class ComputeKernels
{
    private static double sink;

    /// <summary>A kernel: runs <c>iterations</c> loop trips, returns MACs done.</summary>
    internal delegate long Kernel(long iterations);

    /// <summary>The FP32 kernel for the widest vectors available, and how it works (for the report).</summary>
    public static (Kernel Run, string Method) Fp32() =>
        Avx512F.IsSupported ? (Fp32x16, "FP32 FMA on Vector512 (AVX-512), 12 independent accumulators")
        : Vector256.IsHardwareAccelerated ? (Fp32x8, Fma.IsSupported ? "FP32 FMA on Vector256 (AVX2+FMA), 12 independent accumulators" : "FP32 multiply+add on Vector256 (AVX, no FMA), 12 independent accumulators")
        : (Fp32x4, "FP32 multiply-add on Vector128 (NEON/SSE), 12 independent accumulators");

    /// <summary>The INT8 kernel this CPU has (null: none that .NET can express), and how it works.</summary>
    public static (Kernel Run, string Method)? Int8()
    {
        if (AvxVnni.IsSupported) return (Int8Vnni256, "INT8 u8×s8 dot products with AVX-VNNI vpdpbusd on Vector256 (.NET 10 exposes no 512-bit VNNI), 10 accumulators");
        if (Avx512BW.IsSupported) return (Int8Avx512BW, "INT8 u8×s8 with AVX-512BW vpmaddubsw+vpmaddwd+vpaddd on Vector512, 10 accumulators");
        if (Avx2.IsSupported) return (Int8Avx2, "INT8 u8×s8 with AVX2 vpmaddubsw+vpmaddwd+vpaddd on Vector256, 10 accumulators");
        if (Dp.IsSupported) return (Int8Dot128, "INT8 s8×s8 dot products with Arm sdot on Vector128, 10 accumulators");
        return null;
    }

    /// <summary>Loop trips that take about <paramref name="target"/> on one thread (JIT-warm).</summary>
    public static long Calibrate(Kernel kernel, TimeSpan target)
    {
        long iterations = 1 << 12;
        kernel(iterations);
        while (true)
        {
            var clock = Stopwatch.StartNew();
            kernel(iterations);
            var elapsed = clock.Elapsed;
            if (elapsed >= target / 4 || iterations >= 1L << 40)
                return Math.Max(1, (long)(iterations * (target.Ticks / (double)Math.Max(elapsed.Ticks, 1L))));
            iterations *= 4;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Fp32x16(long iterations)
    {
        var a = Vector512.Create(0.999f);
        var b = Vector512.Create(0.001f);
        Vector512<float> x0 = Vector512<float>.One, x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0, x10 = x0, x11 = x0;
        for (var i = 0L; i < iterations; i++)
        {
            x0 = Vector512.MultiplyAddEstimate(x0, a, b); x1 = Vector512.MultiplyAddEstimate(x1, a, b);
            x2 = Vector512.MultiplyAddEstimate(x2, a, b); x3 = Vector512.MultiplyAddEstimate(x3, a, b);
            x4 = Vector512.MultiplyAddEstimate(x4, a, b); x5 = Vector512.MultiplyAddEstimate(x5, a, b);
            x6 = Vector512.MultiplyAddEstimate(x6, a, b); x7 = Vector512.MultiplyAddEstimate(x7, a, b);
            x8 = Vector512.MultiplyAddEstimate(x8, a, b); x9 = Vector512.MultiplyAddEstimate(x9, a, b);
            x10 = Vector512.MultiplyAddEstimate(x10, a, b); x11 = Vector512.MultiplyAddEstimate(x11, a, b);
        }
        sink = Vector512.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
        return iterations * 12 * 16;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Fp32x8(long iterations)
    {
        var a = Vector256.Create(0.999f);
        var b = Vector256.Create(0.001f);
        Vector256<float> x0 = Vector256<float>.One, x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0, x10 = x0, x11 = x0;
        for (var i = 0L; i < iterations; i++)
        {
            x0 = Vector256.MultiplyAddEstimate(x0, a, b); x1 = Vector256.MultiplyAddEstimate(x1, a, b);
            x2 = Vector256.MultiplyAddEstimate(x2, a, b); x3 = Vector256.MultiplyAddEstimate(x3, a, b);
            x4 = Vector256.MultiplyAddEstimate(x4, a, b); x5 = Vector256.MultiplyAddEstimate(x5, a, b);
            x6 = Vector256.MultiplyAddEstimate(x6, a, b); x7 = Vector256.MultiplyAddEstimate(x7, a, b);
            x8 = Vector256.MultiplyAddEstimate(x8, a, b); x9 = Vector256.MultiplyAddEstimate(x9, a, b);
            x10 = Vector256.MultiplyAddEstimate(x10, a, b); x11 = Vector256.MultiplyAddEstimate(x11, a, b);
        }
        sink = Vector256.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
        return iterations * 12 * 8;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Fp32x4(long iterations)
    {
        var a = Vector128.Create(0.999f);
        var b = Vector128.Create(0.001f);
        Vector128<float> x0 = Vector128<float>.One, x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0, x10 = x0, x11 = x0;
        for (var i = 0L; i < iterations; i++)
        {
            x0 = Vector128.MultiplyAddEstimate(x0, a, b); x1 = Vector128.MultiplyAddEstimate(x1, a, b);
            x2 = Vector128.MultiplyAddEstimate(x2, a, b); x3 = Vector128.MultiplyAddEstimate(x3, a, b);
            x4 = Vector128.MultiplyAddEstimate(x4, a, b); x5 = Vector128.MultiplyAddEstimate(x5, a, b);
            x6 = Vector128.MultiplyAddEstimate(x6, a, b); x7 = Vector128.MultiplyAddEstimate(x7, a, b);
            x8 = Vector128.MultiplyAddEstimate(x8, a, b); x9 = Vector128.MultiplyAddEstimate(x9, a, b);
            x10 = Vector128.MultiplyAddEstimate(x10, a, b); x11 = Vector128.MultiplyAddEstimate(x11, a, b);
        }
        sink = Vector128.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
        return iterations * 12 * 4;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Int8Vnni256(long iterations)
    {
        var u = Vector256.Create((byte)3);
        var s = Vector256.Create((sbyte)-2);
        Vector256<int> x0 = Vector256<int>.Zero, x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0;
        for (var i = 0L; i < iterations; i++)
        {
            x0 = AvxVnni.MultiplyWideningAndAdd(x0, u, s); x1 = AvxVnni.MultiplyWideningAndAdd(x1, u, s);
            x2 = AvxVnni.MultiplyWideningAndAdd(x2, u, s); x3 = AvxVnni.MultiplyWideningAndAdd(x3, u, s);
            x4 = AvxVnni.MultiplyWideningAndAdd(x4, u, s); x5 = AvxVnni.MultiplyWideningAndAdd(x5, u, s);
            x6 = AvxVnni.MultiplyWideningAndAdd(x6, u, s); x7 = AvxVnni.MultiplyWideningAndAdd(x7, u, s);
            x8 = AvxVnni.MultiplyWideningAndAdd(x8, u, s); x9 = AvxVnni.MultiplyWideningAndAdd(x9, u, s);
        }
        sink = Vector256.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9);
        return iterations * 10 * 32;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Int8Avx512BW(long iterations)
    {
        // Each product reads its own accumulator, so the JIT cannot share one product among the ten chains.
        var s = Vector512.Create((sbyte)-2);
        var ones = Vector512.Create((short)1);
        Vector512<int> x0 = Vector512.Create(3), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0;
        for (var i = 0L; i < iterations; i++)
        {
            x0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x0.AsByte(), s), ones);
            x1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x1.AsByte(), s), ones);
            x2 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x2.AsByte(), s), ones);
            x3 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x3.AsByte(), s), ones);
            x4 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x4.AsByte(), s), ones);
            x5 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x5.AsByte(), s), ones);
            x6 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x6.AsByte(), s), ones);
            x7 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x7.AsByte(), s), ones);
            x8 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x8.AsByte(), s), ones);
            x9 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(x9.AsByte(), s), ones);
        }
        sink = Vector512.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9);
        return iterations * 10 * 64;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Int8Avx2(long iterations)
    {
        var s = Vector256.Create((sbyte)-2);
        var ones = Vector256.Create((short)1);
        Vector256<int> x0 = Vector256.Create(3), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0;
        for (var i = 0L; i < iterations; i++)
        {
            x0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x0.AsByte(), s), ones);
            x1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x1.AsByte(), s), ones);
            x2 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x2.AsByte(), s), ones);
            x3 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x3.AsByte(), s), ones);
            x4 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x4.AsByte(), s), ones);
            x5 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x5.AsByte(), s), ones);
            x6 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x6.AsByte(), s), ones);
            x7 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x7.AsByte(), s), ones);
            x8 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x8.AsByte(), s), ones);
            x9 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(x9.AsByte(), s), ones);
        }
        sink = Vector256.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9);
        return iterations * 10 * 32;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Int8Dot128(long iterations)
    {
        var a = Vector128.Create((sbyte)3);
        var b = Vector128.Create((sbyte)-2);
        Vector128<int> x0 = Vector128<int>.Zero, x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0, x8 = x0, x9 = x0;
        for (var i = 0L; i < iterations; i++)
        {
            x0 = Dp.DotProduct(x0, a, b); x1 = Dp.DotProduct(x1, a, b);
            x2 = Dp.DotProduct(x2, a, b); x3 = Dp.DotProduct(x3, a, b);
            x4 = Dp.DotProduct(x4, a, b); x5 = Dp.DotProduct(x5, a, b);
            x6 = Dp.DotProduct(x6, a, b); x7 = Dp.DotProduct(x7, a, b);
            x8 = Dp.DotProduct(x8, a, b); x9 = Dp.DotProduct(x9, a, b);
        }
        sink = Vector128.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9);
        return iterations * 10 * 16;
    }

    /// <summary>Keeps <see cref="sink"/> observable.</summary>
    internal static double Sink => Volatile.Read(ref sink);
}
