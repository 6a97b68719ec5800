using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeOpt.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Runtime;

/// <summary>Receives the values of calibrated tensor number <paramref name="tensor"/> for one sample.</summary>
internal delegate void ActivationObserver(int tensor, ReadOnlySpan<float> values);

/// <summary>
/// Runs samples through a copy of the model whose calibrated intermediate values are extra graph outputs, and hands
/// each activation to an observer while it is still in ORT's buffer: nothing is kept between samples. Calibrated
/// graph inputs are observed straight from the fed tensors.
/// </summary>
internal sealed class ActivationRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _requiredInputs;
    private readonly HashSet<string> _inputs;
    private readonly List<(int Tensor, string Input)> _observedInputs = [];
    private readonly List<(int Tensor, string Output)> _observedOutputs = [];

    public ActivationRunner(Model model, IReadOnlyCollection<string>? requested)
    {
        var graph = model.Graph;
        var initializers = graph.Initializers.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Inputs.Where(v => !initializers.Contains(v.Name)).ToList();
        _inputs = inputs.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        _requiredInputs = [.. _inputs];
        Tensors = requested is null ? DefaultTensors(model, inputs) : CheckRequested(model, inputs, requested);

        using var probe = model.Clone();
        var outputs = probe.Graph.Nodes.SelectMany(n => n.Outputs).Where(v => v.Name.Length > 0)
            .GroupBy(v => v.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        for (var i = 0; i < Tensors.Count; i++)
        {
            var name = Tensors[i];
            if (_inputs.Contains(name))
            {
                _observedInputs.Add((i, name));
                continue;
            }
            var value = outputs[name];
            if (!value.IsGraphOutput)
            {
                // Shapeless on purpose: a declared or inferred shape could disagree with ORT's and fail the load.
                value.Type = new TensorType(DataType.Float, null);
                probe.Graph.Outputs.Add(value);
            }
            _observedOutputs.Add((i, name));
        }
        _session = SessionFactory.Create(probe);
    }

    /// <summary>The calibrated value names; observers receive indices into this list.</summary>
    public IReadOnlyList<string> Tensors { get; }

    /// <summary>Runs one sample; ORT time goes to <paramref name="inference"/>, the observer's to <paramref name="statistics"/>.</summary>
    public void Run(IReadOnlyDictionary<string, Tensor> sample, int index, ActivationObserver observe, Stopwatch inference, Stopwatch statistics)
    {
        ArgumentNullException.ThrowIfNull(sample);
        foreach (var name in sample.Keys)
            if (!_inputs.Contains(name))
                ThrowHelper.Usage($"calibration sample {index} feeds '{name}', which is not an input of the model (inputs: {string.Join(", ", _requiredInputs)})");
        foreach (var name in _requiredInputs)
            if (!sample.ContainsKey(name))
                ThrowHelper.Usage($"calibration sample {index} has no tensor for the model input '{name}'");

        statistics.Start();
        foreach (var (tensor, input) in _observedInputs)
        {
            var fed = sample[input];
            if (fed.DataType != DataType.Float)
                ThrowHelper.Usage($"calibration sample {index}: input '{input}' is {fed.DataType.OnnxName()}, but only float tensors can be calibrated");
            observe(tensor, MemoryMarshal.Cast<byte, float>(fed.RawBytes));
        }
        statistics.Stop();
        if (_observedOutputs.Count == 0) return;

        var values = _requiredInputs.Select(n => OrtTensors.ToOrtValue(sample[n])).ToList();
        try
        {
            inference.Start();
            using var runOptions = new RunOptions();
            using var results = RunSession(runOptions, values, index);
            inference.Stop();
            statistics.Start();
            for (var i = 0; i < _observedOutputs.Count; i++)
            {
                var (tensor, name) = _observedOutputs[i];
                var type = results[i].GetTensorTypeAndShape().ElementDataType;
                if (type != TensorElementType.Float)
                    ThrowHelper.Usage($"tensor '{name}' is {type}, but only float tensors can be calibrated");
                observe(tensor, results[i].GetTensorDataAsSpan<float>());
            }
            statistics.Stop();
        }
        finally
        {
            inference.Stop();
            statistics.Stop();
            foreach (var v in values) v.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();

    private IDisposableReadOnlyCollection<OrtValue> RunSession(RunOptions runOptions, List<OrtValue> values, int index)
    {
        try
        {
            return _session.Run(runOptions, _requiredInputs, values, _observedOutputs.Select(o => o.Output).ToArray());
        }
        catch (OnnxRuntimeException e)
        {
            // Almost always a sample whose shape or type does not fit the model's inputs.
            throw new UsageException($"calibration sample {index}: ONNX Runtime cannot run the model on it: {e.Message.ReplaceLineEndings(" ").Trim()}", e);
        }
    }

    /// <summary>Every float graph input and node output of the main graph, except the outputs of Constant nodes.</summary>
    internal static List<string> DefaultTensors(Model model, List<Value> inputs)
    {
        var types = InferredTypes(model);
        var names = inputs.Where(v => v.ElementType == DataType.Float).Select(v => v.Name).ToList();
        foreach (var node in model.Graph.Nodes)
        {
            if (node is { OpType: "Constant", IsOnnxDomain: true }) continue;
            foreach (var output in node.Outputs)
                if (output.Name.Length > 0 && types.GetValueOrDefault(output.Name) == DataType.Float && !names.Contains(output.Name))
                    names.Add(output.Name);
        }
        return names;
    }

    private static List<string> CheckRequested(Model model, List<Value> inputs, IReadOnlyCollection<string> requested)
    {
        var types = InferredTypes(model);
        foreach (var v in inputs) types[v.Name] = v.ElementType;
        var names = new List<string>();
        foreach (var name in requested)
        {
            if (!types.TryGetValue(name, out var type))
                ThrowHelper.Usage($"cannot calibrate tensor '{name}': the model's main graph has no graph input or node output of that name");
            if (type is { } t && t != DataType.Float)
                ThrowHelper.Usage($"cannot calibrate tensor '{name}': it is {t.OnnxName()}, but only float tensors can be calibrated");
            if (!names.Contains(name)) names.Add(name);
        }
        return names;
    }

    /// <summary>Node output name → element type (null when unknown), inferred on a copy so the model stays untouched.</summary>
    private static Dictionary<string, DataType?> InferredTypes(Model model)
    {
        using var typed = model.Clone();
        ShapeInference.Infer(typed);
        var types = new Dictionary<string, DataType?>(StringComparer.Ordinal);
        foreach (var output in typed.Graph.Nodes.SelectMany(n => n.Outputs))
            if (output.Name.Length > 0) types.TryAdd(output.Name, output.ElementType);
        return types;
    }
}
