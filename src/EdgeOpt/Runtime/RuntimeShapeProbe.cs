using EdgeOpt.Data;
using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Runtime;

/// <summary>
/// The fallback of <see cref="RuntimeShapeInference"/>: runs a copy of the model once in ONNX Runtime, with the unresolved
/// values exposed as extra graph outputs, and reports the shapes it observed. The caller's model is untouched.
/// </summary>
/// <remarks>
/// Inputs come from <see cref="InputGenerator"/> (seed 0, its documented distribution: floats standard normal, bool and
/// 8-bit integers uniform, other integers zero, strings empty), free dims from
/// <see cref="RuntimeShapeInferenceOptions.InputShapes"/> or <see cref="RuntimeShapeInferenceOptions.FreeDimDefault"/>.
/// Limitation: an input that carries a shape or an index (e.g. a Reshape target or a Gather index fed from a graph
/// input) gets zeros, which may be invalid for the model or give degenerate shapes; observed shapes hold only
/// for the generated inputs and are reported with them.
/// </remarks>
internal static class RuntimeShapeProbe
{
    internal sealed record Result(IReadOnlyDictionary<string, long[]> InputShapes, IReadOnlyList<(string Name, TensorType Type)> Observed);

    public static Result Run(Model model, IReadOnlyList<string> valueNames, RuntimeShapeInferenceOptions options)
    {
        if (options.FreeDimDefault < 0) throw new UsageException($"FreeDimDefault must not be negative (got {options.FreeDimDefault})");
        CheckInputShapeNames(model, options);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var generated = InputGenerator.Generate(model, seed: 0, (input, declared) =>
        {
            var dims = InputDims(input.Name, declared, options);
            if (dims is not null) shapes[input.Name] = dims;
            return dims;
        });

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
            var inputNames = generated.Keys.ToList();
            var inputs = new List<OrtValue>();
            try
            {
                foreach (var name in inputNames) inputs.Add(OrtTensors.ToOrtValue(generated[name]));
                var outputNames = valueNames.Distinct().ToList();
                using var runOptions = new RunOptions();
                using var results = Run(session, runOptions, inputNames, inputs, outputNames, model);
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
                $"({InputGenerator.Distribution}; set InputShapes if a free dim needs a real size): {e.Message}", e);
        }
    }

    /// <summary>The probe's dims for one input: <see cref="RuntimeShapeInferenceOptions.InputShapes"/>, checked against the declared shape, else free dims sized by the default.</summary>
    private static long[]? InputDims(string name, TensorShape? declared, RuntimeShapeInferenceOptions options)
    {
        if (options.InputShapes?.TryGetValue(name, out var given) == true)
        {
            if (declared is null) return given;
            if (given.Length != declared.Rank)
                throw new UsageException($"input shape for '{name}' has {given.Length} dims but the model declares rank {declared.Rank}");
            for (var i = 0; i < given.Length; i++)
            {
                if (given[i] < 0 || (declared[i].Value is { } size && given[i] != size))
                    throw new UsageException($"input shape for '{name}' sets dim {i} to {given[i]} but the model declares {Describe(declared[i])}");
            }
            return given;
        }
        return declared?.Select(d => d.Value ?? options.FreeDimDefault).ToArray();
    }

    private static string Describe(Dim dim) => dim.Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? dim.Symbol ?? "-1";

    private static void CheckInputShapeNames(Model model, RuntimeShapeInferenceOptions options)
    {
        if (options.InputShapes is null) return;
        var known = model.Graph.Inputs.Where(v => !v.IsInitializer).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in options.InputShapes.Keys)
            if (!known.Contains(name)) throw new UsageException($"input shape given for '{name}', which is not a graph input (inputs: {string.Join(", ", known)})");
    }
}
