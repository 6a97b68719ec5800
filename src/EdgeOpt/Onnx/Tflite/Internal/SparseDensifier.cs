using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Onnx.Tflite.Internal;

/// <summary>
/// Expands a sparse TFLite constant (schema.fbs SparsityParameters: a TACO-style traversal order over the n tensor
/// dimensions plus k block dimensions, each level dense or CSR) into its dense row-major bytes — what the DENSIFY
/// operator does at run time. Every size, segment and index is checked against the shape first: sparse metadata is
/// one of TFLite's known attack surfaces.
/// </summary>
internal static class SparseDensifier
{
    public const int MaxLevels = 32;

    public static byte[] Densify(TfliteTensor tensor, ReadOnlySpan<byte> values, int elementSize, string fileName)
    {
        var s = tensor.Sparsity!;
        var where = $"{fileName}: tensor '{tensor.Name}' sparsity";
        var n = tensor.Shape.Length;
        var k = s.BlockMap.Length;
        if (elementSize == 0) ThrowHelper.ModelFormat($"{where}: type {tensor.Type} cannot be sparse");
        // The walk below recurses once per level; real sparse weights have a handful (rank 2-4 plus block dimensions).
        if (n + k > MaxLevels) ThrowHelper.ModelFormat($"{where}: {n + k} levels (dimensions and blocks) are more than the {MaxLevels} supported");
        if (s.TraversalOrder.Length != n + k) ThrowHelper.ModelFormat($"{where}: traversal_order has {s.TraversalOrder.Length} entries, expected {n + k}");
        if (s.TraversalOrder.Order().Select((v, i) => v == i).Any(ok => !ok))
            ThrowHelper.ModelFormat($"{where}: traversal_order [{string.Join(",", s.TraversalOrder)}] is not a permutation of 0..{n + k - 1}");
        foreach (var b in s.BlockMap)
            if (b < 0 || b >= n) ThrowHelper.ModelFormat($"{where}: block_map entry {b} is not a dimension of the rank-{n} tensor");

        // Sizes of the n+k expanded dimensions: blocked dims are split into (outer, block).
        var levelOf = new int[n + k];
        for (var l = 0; l < n + k; l++) levelOf[s.TraversalOrder[l]] = l;
        var blockSize = new int[k];
        for (var j = 0; j < k; j++)
        {
            var level = s.Dimensions[levelOf[n + j]];
            if (level.Sparse || level.DenseSize <= 0) ThrowHelper.ModelFormat($"{where}: block dimension {j} must be dense with a positive size");
            blockSize[j] = level.DenseSize;
        }
        var expanded = new int[n + k];
        for (var d = 0; d < n; d++) expanded[d] = tensor.Shape[d];
        for (var j = 0; j < k; j++)
        {
            var d = s.BlockMap[j];
            if (expanded[d] % blockSize[j] != 0) ThrowHelper.ModelFormat($"{where}: dimension {d} ({tensor.Shape[d]}) is not a multiple of its block size {blockSize[j]}");
            expanded[d] /= blockSize[j];
            expanded[n + j] = blockSize[j];
        }
        for (var l = 0; l < n + k; l++)
        {
            var m = s.Dimensions[l];
            var size = expanded[s.TraversalOrder[l]];
            if (!m.Sparse && m.DenseSize != size) ThrowHelper.ModelFormat($"{where}: dim_metadata[{l}] dense_size {m.DenseSize} does not match dimension size {size}");
        }

        long total = 1;
        foreach (var d in tensor.Shape) total *= d;
        if (total * elementSize > Array.MaxLength)
            ThrowHelper.ModelFormat($"{where}: the dense {tensor.Type}[{string.Join(",", tensor.Shape)}] would take {total * elementSize} bytes, more than an array holds");
        var dense = new byte[total * elementSize];
        var strides = new long[n];
        long stride = 1;
        for (var d = n - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= tensor.Shape[d];
        }
        var coords = new int[n + k];
        var next = 0;
        var count = values.Length / elementSize;
        Walk(0, 0, values);
        return dense;

        void Walk(int level, long position, ReadOnlySpan<byte> source)
        {
            if (level == n + k)
            {
                if (next >= count) ThrowHelper.ModelFormat($"{where}: the metadata addresses more values than the buffer's {count}");
                long offset = 0;
                for (var d = 0; d < n; d++)
                {
                    long c = coords[d];
                    for (var j = 0; j < k; j++)
                        if (s.BlockMap[j] == d) c = c * blockSize[j] + coords[n + j];
                    offset += c * strides[d];
                }
                source.Slice(next * elementSize, elementSize).CopyTo(dense.AsSpan((int)(offset * elementSize), elementSize));
                next++;
                return;
            }
            var m = s.Dimensions[level];
            var dim = s.TraversalOrder[level];
            if (!m.Sparse)
            {
                for (var i = 0; i < m.DenseSize; i++)
                {
                    coords[dim] = i;
                    Walk(level + 1, position * m.DenseSize + i, source);
                }
                return;
            }
            if (position + 1 >= m.Segments.Length) ThrowHelper.ModelFormat($"{where}: dim_metadata[{level}].array_segments has {m.Segments.Length} entries, position {position + 1} needed");
            int from = m.Segments[position], to = m.Segments[position + 1];
            if (from < 0 || to < from || to > m.Indices.Length)
                ThrowHelper.ModelFormat($"{where}: dim_metadata[{level}].array_segments [{from}, {to}) is not a range of its {m.Indices.Length} indices");
            for (var p = from; p < to; p++)
            {
                var c = m.Indices[p];
                if (c < 0 || c >= expanded[dim]) ThrowHelper.ModelFormat($"{where}: dim_metadata[{level}].array_indices value {c} is outside dimension size {expanded[dim]}");
                coords[dim] = c;
                Walk(level + 1, p, source);
            }
        }
    }
}
