using System.Runtime.InteropServices;
using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Runtime;

/// <summary>
/// The fallback of <see cref="ShapeInference"/>: runs a copy of the model once in ONNX Runtime, with the unresolved
/// values exposed as extra graph outputs, and reports the shapes it observed. The caller's model is untouched.
/// </summary>
/// <remarks>
/// Inputs are generated: floats uniform in [0, 1), every other type zeros, free dims from
/// <see cref="ShapeInferenceOptions.InputShapes"/> or <see cref="ShapeInferenceOptions.FreeDimDefault"/>.
/// Limitation: an input that carries a shape or an index (e.g. a Reshape target or a Gather index fed from a graph
/// input) gets zeros too, which may be invalid for the model or give degenerate shapes; observed shapes hold only
/// for the generated inputs and are reported with them.
/// </remarks>
internal static class RuntimeShapeProbe
{
    internal sealed record Result(IReadOnlyDictionary<string, long[]> InputShapes, IReadOnlyList<(string Name, TensorType Type)> Observed);

    public static Result Run(Model model, IReadOnlyList<string> valueNames, ShapeInferenceOptions options)
    {
        byte[] bytes;
        // A structural clone: the probe's extra outputs and loosened types never touch the caller's model.
        using (var copy = model.Clone())
        {
            var byName = copy.Graph.Values().Where(v => v.Name.Length > 0).ToDictionary(v => v.Name, StringComparer.Ordinal);
            foreach (var name in valueNames)
            {
                var v = byName.TryGetValue(name, out var found) ? found : throw new UsageException($"value '{name}' is not in graph '{copy.Graph.Name}'");
                // A partial type could contradict what ORT computes; let the runtime decide the shape.
                if (v.Type is TensorType t) v.Type = t with { Shape = null };
                if (!copy.Graph.Outputs.Contains(v)) copy.Graph.Outputs.Add(v);
            }
            bytes = copy.ToBytes();
        }

        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        InferenceSession session;
        try
        {
            session = new InferenceSession(bytes, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new UnsupportedOperatorException($"runtime shape probe: ONNX Runtime cannot load '{model.SourcePath ?? model.Graph.Name}': {e.Message}", e);
        }
        using (session)
        {
            var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
            var inputs = new List<OrtValue>();
            try
            {
                var rng = new Random(0);
                foreach (var (name, meta) in session.InputMetadata)
                {
                    var dims = InputDims(name, meta, options);
                    shapes[name] = dims;
                    inputs.Add(Generate(name, meta, dims, rng));
                }
                CheckInputShapeNames(options, shapes.Keys);
                var outputNames = valueNames.Distinct().ToList();
                using var runOptions = new RunOptions();
                using var results = Run(session, runOptions, shapes.Keys.ToList(), inputs, outputNames, model);
                var observed = new List<(string, TensorType)>();
                for (var i = 0; i < outputNames.Count; i++)
                {
                    if (!results[i].IsTensor) continue;
                    var info = results[i].GetTensorTypeAndShape();
                    observed.Add((outputNames[i], new TensorType((DataType)(int)info.ElementDataType, TensorShape.FromDims(info.Shape))));
                }
                return new Result(shapes, observed);
            }
            finally
            {
                foreach (var v in inputs) v.Dispose();
            }
        }
    }

    private static IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, RunOptions runOptions, List<string> inputNames,
        List<OrtValue> inputs, List<string> outputNames, Model model)
    {
        try
        {
            return session.Run(runOptions, inputNames, inputs, outputNames);
        }
        catch (OnnxRuntimeException e)
        {
            throw new UnsupportedOperatorException(
                $"runtime shape probe: ONNX Runtime failed to run '{model.SourcePath ?? model.Graph.Name}' on generated inputs " +
                $"(floats in [0,1), other types zero; set InputShapes if a free dim needs a real size): {e.Message}", e);
        }
    }

    private static long[] InputDims(string name, NodeMetadata meta, ShapeInferenceOptions options)
    {
        if (options.InputShapes?.TryGetValue(name, out var given) == true)
        {
            if (given.Length != meta.Dimensions.Length)
                throw new UsageException($"input shape for '{name}' has {given.Length} dims but the model declares rank {meta.Dimensions.Length}");
            for (var i = 0; i < given.Length; i++)
            {
                if (given[i] < 0 || (meta.Dimensions[i] > 0 && given[i] != meta.Dimensions[i]))
                    throw new UsageException($"input shape for '{name}' sets dim {i} to {given[i]} but the model declares {meta.Dimensions[i]}");
            }
            return given;
        }
        if (options.FreeDimDefault < 0) throw new UsageException($"FreeDimDefault must not be negative (got {options.FreeDimDefault})");
        return meta.Dimensions.Select(d => d >= 0 ? (long)d : options.FreeDimDefault).ToArray();
    }

    private static void CheckInputShapeNames(ShapeInferenceOptions options, IEnumerable<string> inputs)
    {
        if (options.InputShapes is null) return;
        var known = inputs.ToHashSet(StringComparer.Ordinal);
        foreach (var name in options.InputShapes.Keys)
            if (!known.Contains(name)) throw new UsageException($"input shape given for '{name}', which is not a graph input (inputs: {string.Join(", ", known)})");
    }

    private static OrtValue Generate(string name, NodeMetadata meta, long[] dims, Random rng)
    {
        if (!meta.IsTensor) throw new UnsupportedOperatorException($"runtime shape probe: input '{name}' is a {meta.OnnxValueType}, only tensors can be generated");
        var type = meta.ElementDataType;
        if (type == TensorElementType.String)
        {
            var strings = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, dims);
            return strings;
        }
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, type, dims);
        var raw = value.GetTensorMutableRawData();
        raw.Clear();
        switch (type)
        {
            case TensorElementType.Float:
                foreach (ref var f in MemoryMarshal.Cast<byte, float>(raw)) f = rng.NextSingle();
                break;
            case TensorElementType.Double:
                foreach (ref var d in MemoryMarshal.Cast<byte, double>(raw)) d = rng.NextDouble();
                break;
            case TensorElementType.Float16:
                foreach (ref var h in MemoryMarshal.Cast<byte, Half>(raw)) h = (Half)rng.NextSingle();
                break;
        }
        return value;
    }
}
