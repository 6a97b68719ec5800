using System.Numerics;
using System.Runtime.InteropServices;

namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// Streams rows x (length <see cref="Columns"/>) and, optionally, targets y (length <see cref="Targets"/>) and
/// accumulates the Gram matrix H = Σ x xᵀ and the cross term G = Σ x yᵀ in double, without keeping the rows: they
/// are buffered a block at a time, transposed, so each entry of H is a vectorised float dot product over the block.
/// With <see cref="WithOnes"/> a constant 1 is appended to every row (the bias column of a least-squares fit).
/// </summary>
internal sealed class GramAccumulator
{
    private const int Block = 128;

    private readonly float[] _x;
    private readonly float[]? _y;
    private readonly double[]? _gram;
    private readonly double[]? _cross;
    private readonly double[] _squares;
    private int _buffered;

    /// <param name="columns">Features per row (without the ones column).</param>
    /// <param name="targets">Target values per row (0: no cross term).</param>
    /// <param name="withOnes">Append a constant 1 to every row.</param>
    /// <param name="gram">False to keep only the per-column sums of squares (Wanda's input norms).</param>
    public GramAccumulator(int columns, int targets, bool withOnes, bool gram = true)
    {
        WithOnes = withOnes;
        Columns = columns + (withOnes ? 1 : 0);
        Targets = targets;
        _x = new float[Columns * Block];
        if (targets > 0) _y = new float[targets * Block];
        if (gram) _gram = new double[(long)Columns * Columns];
        if (targets > 0) _cross = new double[(long)targets * Columns];
        _squares = new double[Columns];
    }

    public bool WithOnes { get; }
    public int Columns { get; }
    public int Targets { get; }
    public long Rows { get; private set; }

    /// <summary>Adds one row (and its targets when the accumulator has them).</summary>
    public void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y = default)
    {
        var r = _buffered;
        var n = x.Length;
        for (var j = 0; j < n; j++) _x[(j * Block) + r] = x[j];
        if (WithOnes) _x[(n * Block) + r] = 1f;
        if (_y is not null)
            for (var o = 0; o < Targets; o++) _y[(o * Block) + r] = y[o];
        Rows++;
        if (++_buffered == Block) Flush();
    }

    /// <summary>Σ x xᵀ, full symmetric, row-major Columns × Columns (a new copy).</summary>
    public double[] Gram()
    {
        Flush();
        var n = Columns;
        var h = (double[])_gram!.Clone();
        for (var i = 0; i < n; i++)
            for (var j = i + 1; j < n; j++) h[(j * n) + i] = h[(i * n) + j];
        return h;
    }

    /// <summary>Σ x yᵀ, one vector of length Columns per target, one after another (a new copy).</summary>
    public double[] Cross()
    {
        Flush();
        return (double[])_cross!.Clone();
    }

    /// <summary>Σ x_j² per column.</summary>
    public double[] SumOfSquares()
    {
        Flush();
        return (double[])_squares.Clone();
    }

    private void Flush()
    {
        if (_buffered == 0) return;
        // Rows past _buffered are zero (cleared below), so they add nothing.
        var n = Columns;
        for (var j = 0; j < n; j++)
        {
            var column = _x.AsSpan(j * Block, Block);
            _squares[j] += DotFloat(column, column);
        }
        if (_gram is { } gram)
        {
            // Row i of the upper triangle costs n − i dots; interleave rows over the cores so the work evens out.
            Parallel.For(0, Environment.ProcessorCount, worker =>
            {
                var workers = Environment.ProcessorCount;
                for (var i = worker; i < n; i += workers)
                {
                    var xi = _x.AsSpan(i * Block, Block);
                    var row = gram.AsSpan(i * n, n);
                    for (var j = i; j < n; j++) row[j] += DotFloat(xi, _x.AsSpan(j * Block, Block));
                }
            });
        }
        if (_cross is { } cross)
        {
            var y = _y!;
            Parallel.For(0, Targets, o =>
            {
                var yo = y.AsSpan(o * Block, Block);
                var g = cross.AsSpan(o * n, n);
                for (var j = 0; j < n; j++) g[j] += DotFloat(_x.AsSpan(j * Block, Block), yo);
            });
            Array.Clear(y);
        }
        Array.Clear(_x);
        _buffered = 0;
    }

    private static double DotFloat(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var sum = Vector<float>.Zero;
        for (var k = 0; k < va.Length; k++) sum += va[k] * vb[k];
        double total = Vector.Sum(sum);
        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++) total += a[i] * b[i];
        return total;
    }
}
