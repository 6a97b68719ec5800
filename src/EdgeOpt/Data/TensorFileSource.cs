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
        var index = new List<(int File, int Sample)>();
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
            for (var s = 0; s < splits[f].Count; s++) index.Add((f, s));
        }
        if (index.Count == 0) throw new DataFormatException($"{description}: the arrays hold no samples (a dim of 0)");

        // One-entry cache: reading the samples of a stacked .pb in order parses it once.
        var gate = new object();
        (int File, Tensor Tensor)? lastPb = null;
        IReadOnlyDictionary<string, Tensor> Read(int i)
        {
            var (f, s) = index[i];
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
                tensor = Tensor.FromRaw(input.Name, whole.DataType, split.SampleDims, whole.RawMemory.Slice(s * bytes, bytes));
            }
            return new Dictionary<string, Tensor>(StringComparer.Ordinal) { [input.Name] = tensor };
        }
        return new LazySampleSource($"{description} ({index.Count} samples from {files.Count} {(IsNpy(files[0]) ? ".npy" : ".pb")} file{(files.Count == 1 ? "" : "s")})",
            index.Count, Read);
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
