using EdgeOpt.Onnx;

namespace EdgeOpt.Progressive.Loading;

/// <summary>
/// Turns the verified graph and chunk bytes into a model whose tensors all live in memory: the graph is parsed, then
/// every external initializer is replaced by the matching slice of its (already verified) chunk.
/// </summary>
internal static class ModelAssembler
{
    /// <summary><paramref name="baseFolder"/> must hold the chunk files under their manifest names (the reader checks they exist).</summary>
    public static Model Assemble(byte[] graphBytes, string baseFolder, IReadOnlyDictionary<string, byte[]> chunks, string where)
    {
        var model = Model.Parse(graphBytes, baseFolder);
        try
        {
            foreach (var graph in model.Graph.AllGraphs())
                foreach (var value in graph.Initializers)
                {
                    if (value.Initializer is not { External: { } external } tensor) continue;
                    if (!chunks.TryGetValue(external.Location, out var chunk))
                        ThrowHelper.ModelFormat($"{where}: tensor '{tensor.Name}' is stored in '{external.Location}', which the manifest does not list");
                    if (external.Offset > chunk.LongLength - external.Length)
                        ThrowHelper.ModelFormat($"{where}: tensor '{tensor.Name}' range {external.Offset}+{external.Length} is past the end of chunk '{external.Location}' ({chunk.LongLength} bytes)");
                    var inMemory = Tensor.FromRaw(tensor.Name, tensor.DataType, tensor.Dims, chunk.AsMemory((int)external.Offset, (int)external.Length));
                    inMemory.DocString = tensor.DocString;
                    inMemory.MetadataProps.AddRange(tensor.MetadataProps);
                    value.Initializer = inMemory;
                }
            var leftover = model.Graph.AllNodes().SelectMany(n => n.Attributes).FirstOrDefault(a => a.Value is Tensor { External: not null });
            if (leftover is not null)
                ThrowHelper.ModelFormat($"{where}: attribute '{leftover.Name}' holds a tensor in external data; only initializers may be chunked");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
