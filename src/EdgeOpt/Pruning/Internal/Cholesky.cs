using System.Numerics;
using System.Runtime.InteropServices;

namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// Dense symmetric positive-definite algebra in double on row-major n×n arrays: the Cholesky factor, solves with
/// many right-hand sides, and the upper factor of the inverse SparseGPT walks. Columns are split over cores.
/// </summary>
internal static class Cholesky
{
    /// <summary>Below this many rows of work a column is done on one core.</summary>
    private const int ParallelThreshold = 96;

    /// <summary>
    /// Factors <paramref name="a"/> (only its lower triangle is read) into L Lᵀ in place: the lower triangle becomes L,
    /// the upper is zeroed. False when a pivot is not positive (not positive definite, even after dampening).
    /// </summary>
    public static bool Factor(double[] a, int n)
    {
        for (var j = 0; j < n; j++)
        {
            var rowJ = a.AsSpan(j * n, j);
            var pivot = a[(j * n) + j] - Dot(rowJ, rowJ);
            if (!(pivot > 0) || double.IsNaN(pivot)) return false;
            var diagonal = Math.Sqrt(pivot);
            a[(j * n) + j] = diagonal;
            var column = j;
            void Row(int i)
            {
                var s = a[(i * n) + column] - Dot(a.AsSpan(i * n, column), a.AsSpan(column * n, column));
                a[(i * n) + column] = s / diagonal;
            }
            var remaining = n - j - 1;
            if (remaining * (long)j > ParallelThreshold * 256) Parallel.For(j + 1, n, Row);
            else for (var i = j + 1; i < n; i++) Row(i);
        }
        for (var i = 0; i < n; i++) a.AsSpan((i * n) + i + 1, n - i - 1).Clear();
        return true;
    }

    /// <summary>
    /// Solves L Lᵀ X = B for every column of B, given L from <see cref="Factor"/>. <paramref name="b"/> holds the
    /// right-hand sides one after another (<paramref name="count"/> vectors of length n) and is overwritten by X.
    /// </summary>
    public static void Solve(double[] l, int n, double[] b, int count)
    {
        Parallel.For(0, count, k =>
        {
            var x = b.AsSpan(k * n, n);
            for (var i = 0; i < n; i++) x[i] = (x[i] - Dot(l.AsSpan(i * n, i), x[..i])) / l[(i * n) + i];
            for (var i = n - 1; i >= 0; i--)
            {
                x[i] /= l[(i * n) + i];
                Axpy(-x[i], l.AsSpan(i * n, i), x[..i]);
            }
        });
    }

    /// <summary>
    /// The upper-triangular U with H⁻¹ = Uᵀ U (what <c>torch.linalg.cholesky(H⁻¹, upper=True)</c> gives), without forming
    /// H⁻¹: with J the index reversal, J H J = M Mᵀ, and U = J M⁻¹ J. <paramref name="h"/> is consumed. Null when H is
    /// not positive definite.
    /// </summary>
    public static double[]? InverseUpperFactor(double[] h, int n)
    {
        var reversed = new double[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j <= i; j++)
                reversed[(i * n) + j] = h[((n - 1 - i) * n) + (n - 1 - j)];
        if (!Factor(reversed, n)) return null;
        var inverse = InvertLower(reversed, n);
        var u = h;
        Array.Clear(u);
        for (var i = 0; i < n; i++)
            for (var j = i; j < n; j++)
                u[(i * n) + j] = inverse[((n - 1 - i) * n) + (n - 1 - j)];
        return u;
    }

    /// <summary>L⁻¹ of a lower-triangular L, as a new lower-triangular array; column by column, columns over cores.</summary>
    private static double[] InvertLower(double[] l, int n)
    {
        // Row-major result; each task solves L x = e_j for one column j and writes it down the column.
        var inverse = new double[n * n];
        Parallel.For(0, n, () => new double[n], (j, _, x) =>
        {
            x[j] = 1 / l[(j * n) + j];
            for (var i = j + 1; i < n; i++)
                x[i] = -Dot(l.AsSpan((i * n) + j, i - j), x.AsSpan(j, i - j)) / l[(i * n) + i];
            for (var i = j; i < n; i++) inverse[(i * n) + j] = x[i];
            return x;
        }, _ => { });
        return inverse;
    }

    /// <summary>Σ a[i]·b[i], vectorised.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = Vector<double>.Zero;
        var width = Vector<double>.Count;
        var i = 0;
        var va = MemoryMarshal.Cast<double, Vector<double>>(a);
        var vb = MemoryMarshal.Cast<double, Vector<double>>(b[..a.Length]);
        for (var k = 0; k < va.Length; k++) sum += va[k] * vb[k];
        i = va.Length * width;
        var total = Vector.Sum(sum);
        for (; i < a.Length; i++) total += a[i] * b[i];
        return total;
    }

    /// <summary>y += alpha·x, vectorised.</summary>
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vy = MemoryMarshal.Cast<double, Vector<double>>(y[..x.Length]);
        var va = new Vector<double>(alpha);
        for (var k = 0; k < vx.Length; k++) vy[k] += va * vx[k];
        for (var i = vx.Length * Vector<double>.Count; i < x.Length; i++) y[i] += alpha * x[i];
    }
}
