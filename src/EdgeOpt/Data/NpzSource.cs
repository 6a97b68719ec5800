using System.IO.Compression;
using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>
/// Samples from a NumPy <c>.npz</c> (a zip of <c>.npy</c>): one array per model input, keyed by input name (any single
/// array for a single-input model), all with the same number of samples. Headers are read when opening; the arrays are
/// decompressed once on the first read and kept, as a zip entry cannot be read from the middle.
/// </summary>
internal static class NpzSource
{
    public static ISampleSource Open(string file, IReadOnlyList<Value> inputs, string description)
    {
        Dictionary<string, ZipArchiveEntry> entries;
        using (var zip = OpenZip(file))
        {
            entries = zip.Entries.Where(e => e.Name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(e => e.FullName[..^4], StringComparer.Ordinal);
            if (entries.Count == 0) throw new DataFormatException($"{file}: no .npy arrays in the .npz");

            var keys = new string[inputs.Count];
            for (var i = 0; i < inputs.Count; i++)
            {
                keys[i] = entries.ContainsKey(inputs[i].Name) ? inputs[i].Name
                    : inputs.Count == 1 && entries.Count == 1 ? entries.Keys.First()
                    : throw new DataFormatException(
                        $"{file}: no array '{inputs[i].Name}' for the model input '{inputs[i].Name}' (arrays: {string.Join(", ", entries.Keys.Order(StringComparer.Ordinal))})");
            }

            var headers = new NpyFile[inputs.Count];
            var splits = new SampleSplit[inputs.Count];
            for (var i = 0; i < inputs.Count; i++)
            {
                var where = $"{file}:{keys[i]}.npy";
                using (var stream = entries[keys[i]].Open()) headers[i] = NpyFile.ReadHeader(stream, where);
                splits[i] = SampleSplit.Of(inputs[i], headers[i].Dims, where);
                if (splits[i].Count != splits[0].Count)
                    throw new DataFormatException(
                        $"{file}: '{keys[i]}' holds {splits[i].Count} samples but '{keys[0]}' holds {splits[0].Count}; every array needs the same count");
            }

            var payloads = new Lazy<byte[][]>(() => LoadAll(file, keys), LazyThreadSafetyMode.ExecutionAndPublication);
            IReadOnlyDictionary<string, Tensor> Read(int s)
            {
                var sample = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                for (var i = 0; i < inputs.Count; i++)
                {
                    using var stream = new MemoryStream(payloads.Value[i], writable: false);
                    sample[inputs[i].Name] = headers[i].Read(stream, inputs[i].Name, s * splits[i].SampleElements, splits[i].SampleDims);
                }
                return sample;
            }
            return new LazySampleSource($"{description} ({splits[0].Count} samples, arrays {string.Join(", ", keys)})", splits[0].Count, Read);
        }
    }

    private static byte[][] LoadAll(string file, string[] keys)
    {
        using var zip = OpenZip(file);
        return [.. keys.Select(key =>
        {
            using var stream = zip.GetEntry(key + ".npy")!.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        })];
    }

    private static ZipArchive OpenZip(string file)
    {
        try
        {
            return ZipFile.OpenRead(file);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{file}: not a valid .npz (zip) file ({e.Message})", e);
        }
    }
}
