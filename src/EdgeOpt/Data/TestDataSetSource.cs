using EdgeOpt.Onnx;

namespace EdgeOpt.Data;

/// <summary>
/// Samples from ONNX test-suite folders: each <c>test_data_set_*</c> is one sample, with <c>input_K.pb</c> for the
/// K-th non-initializer model input (outputs are ignored).
/// </summary>
internal static class TestDataSetSource
{
    public static ISampleSource Open(IReadOnlyList<string> sets, IReadOnlyList<Value> inputs, string description)
    {
        foreach (var set in sets)
            for (var k = 0; k < inputs.Count; k++)
                if (!File.Exists(Path.Combine(set, $"input_{k}.pb")))
                    throw new DataFormatException($"{Path.Combine(set, $"input_{k}.pb")}: missing; the model input '{inputs[k].Name}' is input {k}");

        IReadOnlyDictionary<string, Tensor> Read(int i)
        {
            var sample = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (var k = 0; k < inputs.Count; k++)
            {
                var file = Path.Combine(sets[i], $"input_{k}.pb");
                try
                {
                    sample[inputs[k].Name] = OnnxTensorFile.Load(file).WithName(inputs[k].Name);
                }
                catch (ModelFormatException e)
                {
                    throw new DataFormatException($"{file}: not a serialized ONNX TensorProto ({e.Message})", e);
                }
            }
            return sample;
        }
        return new LazySampleSource($"{description} ({sets.Count} test_data_set folder{(sets.Count == 1 ? "" : "s")})", sets.Count, Read);
    }
}
