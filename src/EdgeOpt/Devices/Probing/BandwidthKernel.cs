using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeOpt.Devices.Probing;

/// <summary>
/// Sustained DRAM read bandwidth: every thread first writes its own slice of a buffer far larger than any cache
/// (first touch, so pages are real and local to that thread's NUMA node), then sums it with SIMD loads in
/// 16 MB chunks until the time is up. Reads only: no write-allocate traffic to account for.
/// </summary>
internal static unsafe class BandwidthKernel
{
    public const long BufferBytes = 256L << 20;
    private const int ChunkBytes = 16 << 20;
    private static ulong sink;

    public static string Method(int threads) =>
        $"streaming read (SIMD sum) of a {BufferBytes >> 20} MB buffer split over {threads} threads, {ChunkBytes >> 20} MB chunks";

    /// <summary>Bytes per second read by <paramref name="threads"/> threads together.</summary>
    public static double Measure(int threads, TimeSpan duration)
    {
        var buffer = (byte*)NativeMemory.AlignedAlloc((nuint)BufferBytes, 4096);
        try
        {
            var slice = BufferBytes / threads / ChunkBytes * ChunkBytes;
            if (slice == 0) slice = ChunkBytes; // more threads than 16 MB slices: they share chunks
            var cursors = new long[threads];
            return ParallelMeasure.UnitsPerSecond(threads, duration,
                warmUp: t =>
                {
                    for (var offset = Start(t); offset < Start(t) + slice; offset += ChunkBytes)
                        new Span<byte>(buffer + offset, ChunkBytes).Fill((byte)(t + 1));
                },
                chunk: t =>
                {
                    var offset = Start(t) + cursors[t];
                    cursors[t] = (cursors[t] + ChunkBytes) % slice;
                    sink += Sum(buffer + offset, ChunkBytes);
                    return ChunkBytes;
                });

            long Start(int t) => t * slice % BufferBytes;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static ulong Sum(byte* data, int bytes)
    {
        var vectors = new ReadOnlySpan<Vector<ulong>>(data, bytes / Vector<byte>.Count);
        Vector<ulong> a = default, b = default, c = default, d = default;
        for (var i = 0; i + 3 < vectors.Length; i += 4)
        {
            a += vectors[i];
            b += vectors[i + 1];
            c += vectors[i + 2];
            d += vectors[i + 3];
        }
        return Vector.Sum(a + b + c + d);
    }
}
