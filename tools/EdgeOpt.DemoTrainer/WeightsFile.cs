using System.Text;

namespace EdgeOpt.DemoTrainer;

/// <summary>A float32 tensor: row-major data and its dims.</summary>
internal sealed record NamedTensor(string Name, long[] Dims, float[] Data);

/// <summary>
/// The trained weights between training and export, so the ONNX file can be rebuilt without retraining.
/// Format (little-endian): "EOW1", int32 metadata count, then (string key, string value) pairs,
/// int32 tensor count, then per tensor: string name, int32 rank, int64 dims[rank], float32 data[product(dims)].
/// Strings are .NET BinaryWriter strings (7-bit encoded length prefix + UTF-8).
/// Tensor names are the TorchSharp state-dict names: conv{1,2,3}.{weight,bias}, bn{1,2,3}.{weight,bias,running_mean,running_var},
/// fc{1,2}.{weight,bias}; Linear weights are [out, in] (so Gemm uses transB=1).
/// </summary>
internal sealed class WeightsFile
{
    private static readonly byte[] Magic = "EOW1"u8.ToArray();

    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    public List<NamedTensor> Tensors { get; } = [];

    public NamedTensor this[string name] =>
        Tensors.Find(t => t.Name == name) ?? throw new KeyNotFoundException($"Weights file has no tensor '{name}'.");

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temp), Encoding.UTF8))
        {
            writer.Write(Magic);
            writer.Write(Metadata.Count);
            foreach (var (key, value) in Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                writer.Write(key);
                writer.Write(value);
            }

            writer.Write(Tensors.Count);
            foreach (var tensor in Tensors)
            {
                writer.Write(tensor.Name);
                writer.Write(tensor.Dims.Length);
                foreach (var dim in tensor.Dims)
                {
                    writer.Write(dim);
                }

                foreach (var value in tensor.Data)
                {
                    writer.Write(value);
                }
            }
        }

        File.Move(temp, path, overwrite: true);
    }

    public static WeightsFile Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        if (!reader.ReadBytes(4).AsSpan().SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path}: not an EOW1 weights file.");
        }

        var file = new WeightsFile();
        var metadataCount = reader.ReadInt32();
        for (var i = 0; i < metadataCount; i++)
        {
            var key = reader.ReadString();
            file.Metadata[key] = reader.ReadString();
        }

        var tensorCount = reader.ReadInt32();
        for (var i = 0; i < tensorCount; i++)
        {
            var name = reader.ReadString();
            var dims = new long[reader.ReadInt32()];
            for (var d = 0; d < dims.Length; d++)
            {
                dims[d] = reader.ReadInt64();
            }

            var data = new float[dims.Aggregate(1L, (a, b) => a * b)];
            for (var j = 0; j < data.Length; j++)
            {
                data[j] = reader.ReadSingle();
            }

            file.Tensors.Add(new NamedTensor(name, dims, data));
        }

        return file;
    }
}
