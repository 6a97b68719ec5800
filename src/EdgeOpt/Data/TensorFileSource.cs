using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>
/// Samples of a single-input model from <c>.npy</c> or <c>.pb</c> (TensorProto) files, each holding one sample or N
/// stacked ones (see <see cref="SampleSplit"/>). Shapes are learnt when opening (the .npy header alone; a .pb is parsed
/// once); payloads are read per sample.
/// </summary>
internal static class TensorFileSource
{
    public static ISampleSource Open(IReadOnlyList<string> files, Value input, string description)
    {
        // First sample of each file, and the total after the last: an index per file, not per sample, so a header that
        // claims two billion samples costs nothing until one is read (and its file is found short).
        var starts = new long[files.Count + 1];
        var splits = new SampleSplit[files.Count];
        var npy = new NpyFile?[files.Count];
        for (var f = 0; f < files.Count; f++)
        {
            IReadOnlyList<long> dims;
            if (IsNpy(files[f]))
            {
                using var stream = File.OpenRead(files[f]);
                npy[f] = NpyFile.ReadHeader(stream, files[f]);
                dims = npy[f]!.Dims;
            }
            else
            {
                dims = LoadPb(files[f]).Dims;
            }
            splits[f] = SampleSplit.Of(input, dims, files[f]);
            starts[f + 1] = starts[f] + splits[f].Count;
        }
        var total = starts[^1];
        if (total > int.MaxValue) throw new DataFormatException($"{description}: {total} samples in all; at most {int.MaxValue} are supported");
        if (total == 0) throw new DataFormatException($"{description}: the arrays hold no samples (a dim of 0)");

        // One-entry cache: reading the samples of a stacked .pb in order parses it once.
        var gate = new object();
        (int File, Tensor Tensor)? lastPb = null;
        IReadOnlyDictionary<string, Tensor> Read(int i)
        {
            var f = Array.BinarySearch(starts, i);
            if (f < 0) f = ~f - 1; // every file holds at least one sample (SampleSplit refuses a dim of 0)
            var s = i - starts[f];
            var split = splits[f];
            Tensor tensor;
            if (npy[f] is { } header)
            {
                using var stream = File.OpenRead(files[f]);
                tensor = header.Read(stream, input.Name, s * split.SampleElements, split.SampleDims);
            }
            else
            {
                Tensor whole;
                lock (gate)
                {
                    if (lastPb is not { } cached || cached.File != f) lastPb = (f, LoadPb(files[f]));
                    whole = lastPb.Value.Tensor;
                }
                var bytes = (int)whole.DataType.StorageBytes(split.SampleElements);
                tensor = Tensor.FromRaw(input.Name, whole.DataType, split.SampleDims, whole.RawMemory.Slice((int)(s * bytes), bytes));
            }
            return new Dictionary<string, Tensor>(StringComparer.Ordinal) { [input.Name] = tensor };
        }
        return new LazySampleSource($"{description} ({total} samples from {files.Count} {(IsNpy(files[0]) ? ".npy" : ".pb")} file{(files.Count == 1 ? "" : "s")})",
            (int)total, Read);
    }

    private static bool IsNpy(string file) => file.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);

    private static Tensor LoadPb(string file)
    {
        try
        {
            var tensor = OnnxTensorFile.Load(file);
            if (tensor.DataType == DataType.String) throw new DataFormatException($"{file}: holds a string tensor; samples must be numeric");
            return tensor;
        }
        catch (ModelFormatException e)
        {
            throw new DataFormatException($"{file}: not a serialized ONNX TensorProto ({e.Message})", e);
        }
    }
}
