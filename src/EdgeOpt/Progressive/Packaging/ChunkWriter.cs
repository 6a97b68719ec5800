using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace EdgeOpt.Progressive.Packaging;

/// <summary>
/// Writes one chunk file and hashes it (and each tensor in it) in a single pass: the chunk is assembled block by block in
/// a small reused buffer that stays in cache, and every block is hashed and written from there. Writing straight out of
/// the memory-mapped model is several times slower than writing from ordinary memory, and whole-chunk buffers page-fault.
/// </summary>
internal static class ChunkWriter
{
    private const int BlockSize = 1 << 20;

    public static ManifestChunk Write(string folder, int index, ChunkSlot slot)
    {
        // A chunk that is exactly one tensor has the tensor's hash: skip the second hash pass.
        var single = slot.Tensors.Count == 1 && slot.Tensors[0].Offset == 0;
        var block = ArrayPool<byte>.Shared.Rent(BlockSize);
        var tensors = new List<ChunkTensor>(slot.Tensors.Count);
        var temp = Path.Combine(folder, $".chunk{index}.tmp");
        byte[] hash;
        try
        {
            using var chunkHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var tensorHash = single ? null : IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, FileOptions.None, slot.Length))
            {
                var filled = 0;
                long written = 0;
                foreach (var placed in slot.Tensors)
                {
                    // Alignment padding: zeros up to the tensor's offset.
                    var gap = (int)(placed.Offset - (written + filled));
                    block.AsSpan(filled, gap).Clear();
                    filled += gap;

                    var bytes = placed.Tensor.RawBytes;
                    var length = bytes.Length;
                    while (bytes.Length > 0)
                    {
                        var take = Math.Min(bytes.Length, BlockSize - filled);
                        var piece = block.AsSpan(filled, take);
                        bytes[..take].CopyTo(piece);
                        tensorHash?.AppendData(piece);
                        filled += take;
                        bytes = bytes[take..];
                        if (filled == BlockSize) Flush(handle, chunkHash, block, ref filled, ref written);
                    }
                    var tensorSha = tensorHash?.GetHashAndReset();
                    tensors.Add(new ChunkTensor(placed.Tensor.Name, placed.Offset, length, tensorSha is null ? "" : ContentHash.Hex(tensorSha)));
                }
                Flush(handle, chunkHash, block, ref filled, ref written);
            }
            hash = chunkHash.GetHashAndReset();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
        if (single) tensors[0] = tensors[0] with { Sha256 = ContentHash.Hex(hash) };
        var file = ContentHash.Hex(hash) + ".bin";
        File.Move(temp, Path.Combine(folder, file), overwrite: true);
        return new ManifestChunk
        {
            File = file,
            Size = slot.Length,
            Sha256 = ContentHash.Hex(hash),
            Integrity = ContentHash.Integrity(hash),
            Priority = slot.Priority,
            Tensors = tensors,
        };
    }

    private static void Flush(SafeFileHandle handle, IncrementalHash chunkHash, byte[] block, ref int filled, ref long written)
    {
        if (filled == 0) return;
        var data = block.AsSpan(0, filled);
        chunkHash.AppendData(data);
        RandomAccess.Write(handle, data, written);
        written += filled;
        filled = 0;
    }
}
