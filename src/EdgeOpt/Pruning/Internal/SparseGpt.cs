namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// One-shot pruning with a second-order update (Frantar and Alistarh 2022/2023: Optimal Brain Compression, SparseGPT)
/// of one weight matrix W [rows × columns] given the Gram matrix H = XᵀX of its calibration inputs. Columns are
/// visited left to right; when column i is pruned, the error it leaves is spread over the columns not yet visited
/// through the upper Cholesky factor U of H⁻¹ (row i of U, divided by U[i,i]), so the remaining weights compensate.
/// Masks are chosen per block of columns (free sparsity: the lowest saliency entries of the block, the block's share
/// rounded so the layer total is exact) or per run of M columns (N:M: the N highest saliency entries of each row's run
/// stay). Work on the right of a block is applied lazily, once per block, as one rank-B update.
/// </summary>
internal static class SparseGpt
{
    public const int BlockSize = 128;

    /// <summary>Dampening added to the diagonal of H, as a share of its mean (SparseGPT's 1 %).</summary>
    public const double Dampening = 0.01;

    /// <summary>How entries are ranked for removal inside a block or run (lowest first out).</summary>
    public enum Saliency
    {
        /// <summary>w² / U[i,i]²: the OBS error of removing the weight (SparseGPT).</summary>
        Obs,

        /// <summary>|w|.</summary>
        Magnitude,

        /// <summary>|w|·‖x_j‖ (Wanda).</summary>
        Wanda,
    }

    /// <summary>
    /// Prunes <paramref name="w"/> in place. <paramref name="runs"/> (N:M) lists the [start, length) column runs of the
    /// pattern, in order and covering every column; null prunes <paramref name="zeros"/> entries freely.
    /// <paramref name="h"/> is consumed. False when H cannot be factored even after dampening (W untouched).
    /// </summary>
    public static bool Prune(double[] w, int rows, int columns, double[] h, Saliency saliency, long zeros, SparsityPattern? pattern,
        IReadOnlyList<(int Start, int Length)>? runs, CancellationToken cancellation)
    {
        var n = columns;
        var inputSquares = new double[n];
        var mean = 0.0;
        for (var j = 0; j < n; j++) { inputSquares[j] = h[(j * n) + j]; mean += inputSquares[j]; }
        mean /= n;
        if (!(mean > 0)) return false;
        var damp = Dampening * mean;
        for (var j = 0; j < n; j++) h[(j * n) + j] += h[(j * n) + j] == 0 ? mean : damp;
        var u = Cholesky.InverseUpperFactor(h, n);
        if (u is null) return false;

        // Blocks end on run boundaries so an N:M run never straddles two blocks.
        var blocks = new List<(int Start, int End)>();
        if (runs is null)
            for (var s = 0; s < n; s += BlockSize) blocks.Add((s, Math.Min(n, s + BlockSize)));
        else
        {
            var start = 0;
            foreach (var (s, length) in runs)
                if (s + length - start >= BlockSize || s + length == n) { blocks.Add((start, s + length)); start = s + length; }
        }

        // A block ends on the first run boundary at or past BlockSize columns, so it can be up to one run (≤ 64) wider.
        var errors = new double[rows * (BlockSize + 64)];
        long prunedSoFar = 0;
        var total = (long)rows * n;
        foreach (var (i1, i2) in blocks)
        {
            cancellation.ThrowIfCancellationRequested();
            var width = i2 - i1;
            var mask = new bool[rows * width];
            if (runs is null)
            {
                // This block's share of the zeros, rounded so that the running total is exact.
                var target = (long)Math.Round((double)zeros * ((long)rows * i2) / total);
                // Weights already zero (dead filters) are always in the mask, so they stay zero; beyond the block's share
                // they count against the later blocks.
                var alreadyZero = 0;
                for (var r = 0; r < rows; r++)
                    for (var k = 0; k < width; k++)
                        if (w[(r * n) + i1 + k] == 0) alreadyZero++;
                var count = (int)Math.Max(alreadyZero, target - prunedSoFar);
                ChooseLowest(rows, i1, width, count, mask, (r, j) => Score(saliency, w[(r * n) + j], u[(j * n) + j], inputSquares[j]));
                prunedSoFar += count;
            }

            Parallel.For(0, rows, r =>
            {
                var row = w.AsSpan(r * n, n);
                var err = errors.AsSpan(r * (BlockSize + 64), BlockSize + 64);
                Span<double> runScores = stackalloc double[64];
                for (var i = i1; i < i2; i++)
                {
                    if (runs is not null && IsRunStart(runs, i, out var length))
                    {
                        for (var k = 0; k < length; k++) runScores[k] = Score(saliency, row[i + k], u[((i + k) * n) + i + k], inputSquares[i + k]);
                        MarkAllButHighest(runScores[..length], pattern!.Value.N, mask.AsSpan((r * width) + (i - i1), length));
                    }
                    var d = u[(i * n) + i];
                    var q = mask[(r * width) + (i - i1)] ? 0 : row[i];
                    var e = (row[i] - q) / d;
                    row[i] = q;
                    err[i - i1] = e;
                    if (e != 0) Cholesky.Axpy(-e, u.AsSpan((i * n) + i + 1, i2 - i - 1), row[(i + 1)..i2]);
                }
                // The block's effect on every later column at once.
                for (var i = i1; i < i2; i++)
                    if (err[i - i1] != 0) Cholesky.Axpy(-err[i - i1], u.AsSpan((i * n) + i2, n - i2), row[i2..]);
                // Pruned entries stay exactly zero (the updates above only reach later columns).
            });
        }
        return true;
    }

    private static double Score(Saliency saliency, double weight, double uDiagonal, double inputSquare) => saliency switch
    {
        Saliency.Obs => weight * weight / (uDiagonal * uDiagonal),
        Saliency.Wanda => Math.Abs(weight) * Math.Sqrt(inputSquare),
        _ => Math.Abs(weight),
    };

    private static bool IsRunStart(IReadOnlyList<(int Start, int Length)> runs, int column, out int length)
    {
        // Runs are sorted: binary search for the run starting at column.
        int lo = 0, hi = runs.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (runs[mid].Start == column) { length = runs[mid].Length; return true; }
            if (runs[mid].Start < column) lo = mid + 1; else hi = mid - 1;
        }
        length = 0;
        return false;
    }

    /// <summary>Marks all but the <paramref name="keep"/> highest-scored entries of one run.</summary>
    internal static void MarkAllButHighest(ReadOnlySpan<double> scores, int keep, Span<bool> mask)
    {
        var length = scores.Length;
        if (length <= keep) return;
        Span<int> order = stackalloc int[length];
        for (var k = 0; k < length; k++) order[k] = k;
        // Insertion sort, descending: runs are short (M ≤ 64). Ties keep the earlier column.
        for (var a = 1; a < length; a++)
            for (var b = a; b > 0 && scores[order[b]] > scores[order[b - 1]]; b--) (order[b], order[b - 1]) = (order[b - 1], order[b]);
        for (var k = keep; k < length; k++) mask[order[k]] = true;
    }

    /// <summary>Marks the <paramref name="count"/> lowest-scored entries of columns [start, start + width) over all rows.</summary>
    private static void ChooseLowest(int rows, int start, int width, int count, bool[] mask, Func<int, int, double> score)
    {
        if (count <= 0) return;
        var size = rows * width;
        var scores = new double[size];
        var index = new int[size];
        for (var r = 0; r < rows; r++)
            for (var k = 0; k < width; k++) { scores[(r * width) + k] = score(r, start + k); index[(r * width) + k] = (r * width) + k; }
        Array.Sort(scores, index);
        for (var k = 0; k < Math.Min(count, size); k++) mask[index[k]] = true;
    }
}
