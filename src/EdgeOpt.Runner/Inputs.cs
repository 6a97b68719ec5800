using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Runner;

/// <summary>
/// The model's inputs as ORT values: from <c>--input [NAME=]FILE.npy</c> arguments (unnamed files fill the inputs not
/// named, in the model's order), checked against the model's element types and fixed dimensions; or, for a benchmark
/// without files, generated (floats uniform in [0, 1), integers and bools zero, symbolic dimensions 1).
/// </summary>
internal sealed class Inputs : IDisposable
{
    private Inputs(List<string> names, List<OrtValue> values) => (Names, Values) = (names, values);

    public List<string> Names { get; }

    public List<OrtValue> Values { get; }

    public static Inputs FromFiles(InferenceSession session, IReadOnlyList<string> arguments)
    {
        var metadata = session.InputMetadata;
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var unnamed = new Queue<string>();
        foreach (var argument in arguments)
        {
            // NAME=FILE only when NAME is one of the model's inputs: a file path may hold '=' too.
            var eq = argument.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && metadata.ContainsKey(argument[..eq]))
            {
                if (!files.TryAdd(argument[..eq], argument[(eq + 1)..])) throw new UsageError($"input '{argument[..eq]}' is given twice");
            }
            else unnamed.Enqueue(argument);
        }
        foreach (var name in metadata.Keys)
            if (!files.ContainsKey(name) && unnamed.Count > 0) files[name] = unnamed.Dequeue();
        if (unnamed.Count > 0 || files.Count < metadata.Count)
            throw new UsageError($"the model takes {metadata.Count} input(s) ({Describe(session)}); give each with --input NAME=FILE.npy" +
                (unnamed.Count > 0 ? $" ('{unnamed.Peek()}' is one too many)" : $" ('{metadata.Keys.First(n => !files.ContainsKey(n))}' is missing)"));

        var inputs = new Inputs([], []);
        try
        {
            foreach (var (name, meta) in metadata)
            {
                var file = files[name];
                var (type, shape, data) = Npy.Read(file);
                if (!meta.IsTensor) throw new UsageError($"input '{name}' is not a tensor; the runner feeds tensors only");
                if (type != meta.ElementDataType)
                    throw new UsageError($"input '{name}' is {Npy.TypeName(meta.ElementDataType)} but '{file}' holds {Npy.TypeName(type)}");
                var expected = meta.Dimensions;
                if (shape.Length != expected.Length || shape.Where((d, i) => expected[i] >= 0 && expected[i] != d).Any())
                    throw new UsageError($"input '{name}' has shape {Shape(meta)} but '{file}' holds ({string.Join(", ", shape)})");
                inputs.Add(name, Npy.ToOrtValue(type, shape, data));
            }
            return inputs;
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }

    public static Inputs Generated(InferenceSession session)
    {
        var inputs = new Inputs([], []);
        var random = new Random(0);
        try
        {
            foreach (var (name, meta) in session.InputMetadata)
            {
                if (!meta.IsTensor) throw new UsageError($"input '{name}' is not a tensor; the runner feeds tensors only");
                var shape = meta.Dimensions.Select(d => d < 0 ? 1L : d).ToArray();
                var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, meta.ElementDataType, shape);
                var bytes = value.GetTensorMutableRawData();
                bytes.Clear();
                if (meta.ElementDataType == TensorElementType.Float)
                    foreach (ref var x in value.GetTensorMutableDataAsSpan<float>()) x = random.NextSingle();
                inputs.Add(name, value);
            }
            return inputs;
        }
        catch
        {
            inputs.Dispose();
            throw;
        }
    }

    public static string Describe(InferenceSession session) =>
        string.Join(", ", session.InputMetadata.Select(m => $"{m.Key}: {(m.Value.IsTensor ? Npy.TypeName(m.Value.ElementDataType) + Shape(m.Value) : m.Value.OnnxValueType.ToString())}"));

    private static string Shape(NodeMetadata meta) =>
        $"[{string.Join(",", meta.Dimensions.Select((d, i) => d >= 0 ? $"{d}" : meta.SymbolicDimensions[i] is { Length: > 0 } s ? s : "?"))}]";

    private void Add(string name, OrtValue value)
    {
        Names.Add(name);
        Values.Add(value);
    }

    public void Dispose()
    {
        foreach (var value in Values) value.Dispose();
    }
}
