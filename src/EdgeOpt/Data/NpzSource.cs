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
        // Array name (the entry's path without ".npy") → entry path; NumPy writes each name once.
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        var keys = new string[inputs.Count];
        var headers = new NpyFile[inputs.Count];
        var splits = new SampleSplit[inputs.Count];
        Zipped(file, () =>
        {
            using var zip = OpenZip(file);
            foreach (var entry in zip.Entries.Where(e => e.Name.EndsWith(".npy", StringComparison.OrdinalIgnoreCase)))
                if (!entries.TryAdd(entry.FullName[..^4], entry.FullName))
                    throw new DataFormatException($"{file}: the .npz holds two arrays named '{FileText.Show(entry.FullName[..^4])}'");
            if (entries.Count == 0) throw new DataFormatException($"{file}: no .npy arrays in the .npz");

            for (var i = 0; i < inputs.Count; i++)
            {
                keys[i] = entries.ContainsKey(inputs[i].Name) ? inputs[i].Name
                    : inputs.Count == 1 && entries.Count == 1 ? entries.Keys.First()
                    : throw new DataFormatException(
                        $"{file}: no array '{inputs[i].Name}' for the model input '{inputs[i].Name}' (arrays: {FileText.Show(string.Join(", ", entries.Keys.Order(StringComparer.Ordinal)))})");
            }

            for (var i = 0; i < inputs.Count; i++)
            {
                var where = $"{file}:{FileText.Show(keys[i])}.npy";
                using (var stream = zip.GetEntry(entries[keys[i]])!.Open()) headers[i] = NpyFile.ReadHeader(stream, where);
                splits[i] = SampleSplit.Of(inputs[i], headers[i].Dims, where);
                if (splits[i].Count != splits[0].Count)
                    throw new DataFormatException(
                        $"{file}: '{FileText.Show(keys[i])}' holds {splits[i].Count} samples but '{FileText.Show(keys[0])}' holds {splits[0].Count}; every array needs the same count");
            }
        });

        var paths = keys.Select(k => entries[k]).ToArray();
        var payloads = new Lazy<byte[][]>(() => LoadAll(file, paths, headers), LazyThreadSafetyMode.ExecutionAndPublication);
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
        return new LazySampleSource($"{description} ({splits[0].Count} samples, arrays {FileText.Show(string.Join(", ", keys))})", splits[0].Count, Read);
    }

    /// <summary>
    /// Decompresses each array, but never more than its header says it holds: a small deflated entry can expand to
    /// gigabytes, and what lies past the array is not read anyway.
    /// </summary>
    private static byte[][] LoadAll(string file, string[] paths, NpyFile[] headers) => Zipped(file, () =>
    {
        using var zip = OpenZip(file);
        return paths.Select((path, i) =>
        {
            var size = headers[i].FileBytes;
            if (size > Array.MaxLength)
                throw new DataFormatException($"{file}:{FileText.Show(path)}: the array is {size} bytes; an .npz array must fit in memory (at most {Array.MaxLength} bytes), save it as .npy");
            using var stream = zip.GetEntry(path)!.Open();
            var bytes = new byte[size];
            var read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
            return read == bytes.Length ? bytes : bytes[..read];
        }).ToArray();
    });

    private static ZipArchive OpenZip(string file) => ZipFile.OpenRead(file);

    /// <summary>Runs <paramref name="read"/>, turning the zip reader's failures (a corrupt archive or entry) into <see cref="DataFormatException"/>.</summary>
    private static T Zipped<T>(string file, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"{file}: not a valid .npz (zip) file ({FileText.Escape(e.Message)})", e);
        }
    }

    private static void Zipped(string file, Action read) => Zipped(file, () =>
    {
        read();
        return true;
    });
}
