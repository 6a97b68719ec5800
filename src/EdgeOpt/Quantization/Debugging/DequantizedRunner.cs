using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Quantization.Debugging;

/// <summary>
/// Runs the quantized model with chosen <c>DequantizeLinear</c> outputs exposed as graph outputs. ONNX Runtime's graph
/// optimizations are off: they would fuse the QDQ pairs into integer kernels and the exposed values would no longer
/// be what the file computes.
/// </summary>
internal sealed class DequantizedRunner : IDisposable
{
    private static readonly SessionSettings Settings = new() { Optimization = GraphOptimization.None };
    private readonly InferenceSession _session;
    private readonly string[] _inputs;
    private readonly string[] _outputs;

    public DequantizedRunner(Model quantized, IEnumerable<string> outputs)
    {
        _outputs = outputs.Distinct(StringComparer.Ordinal).ToArray();
        using var probe = quantized.Clone();
        var graph = probe.Graph;
        _inputs = graph.Inputs.Where(v => !v.IsInitializer).Select(v => v.Name).ToArray();
        var produced = graph.Nodes.SelectMany(n => n.Outputs).Where(v => v.Name.Length > 0)
            .GroupBy(v => v.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var name in _outputs)
        {
            var value = produced[name];
            if (value.IsGraphOutput) continue;
            // Shapeless on purpose: a declared shape could disagree with ORT's and fail the load.
            value.Type = new TensorType(DataType.Float, null);
            graph.Outputs.Add(value);
        }
        _session = SessionFactory.Create(probe, Settings);
    }

    /// <summary>The exposed names; <see cref="Run"/> returns values in this order.</summary>
    public IReadOnlyList<string> Outputs => _outputs;

    /// <summary>Runs sample <paramref name="index"/>; the caller disposes the results.</summary>
    /// <exception cref="UsageException">The sample lacks an input, or ONNX Runtime cannot run it.</exception>
    public IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyDictionary<string, Tensor> sample, int index)
    {
        foreach (var name in _inputs)
            if (!sample.ContainsKey(name))
                ThrowHelper.Usage($"sample {index} has no tensor for the model input '{name}'");
        var values = _inputs.Select(n => OrtTensors.ToOrtValue(sample[n])).ToList();
        try
        {
            using var runOptions = new RunOptions();
            return _session.Run(runOptions, _inputs, values, _outputs);
        }
        catch (OnnxRuntimeException e)
        {
            throw new UsageException($"sample {index}: ONNX Runtime cannot run the quantized model on it: {e.Message.ReplaceLineEndings(" ").Trim()}", e);
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();
}
