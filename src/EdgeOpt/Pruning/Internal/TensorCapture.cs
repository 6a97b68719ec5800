using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Pruning.Internal;

/// <summary>Receives captured tensor number <paramref name="tensor"/> of one sample, with its shape, while ORT still holds it.</summary>
internal delegate void CaptureObserver(int sample, int tensor, IReadOnlyList<long> shape, ReadOnlySpan<float> values);

/// <summary>
/// Runs samples through a copy of a model whose only outputs are the tensors asked for, with every node they do not
/// need removed, so a pass that captures early layers runs only the front of the network. Unlike
/// <see cref="ActivationRunner"/> it hands out shapes too: the layer statistics need the spatial layout of
/// Conv inputs. Nothing is kept between samples.
/// </summary>
internal static class TensorCapture
{
    public static void Run(Model model, IReadOnlyList<string> tensors, IReadOnlyList<IReadOnlyDictionary<string, Tensor>> samples,
        CaptureObserver observe, CancellationToken cancellation)
    {
        if (tensors.Count == 0 || samples.Count == 0) return;
        var inputs = model.Graph.Inputs.Where(v => !v.IsInitializer).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var fromGraph = new List<(int Index, string Name)>();
        var fromInputs = new List<(int Index, string Name)>();
        for (var i = 0; i < tensors.Count; i++) (inputs.Contains(tensors[i]) ? fromInputs : fromGraph).Add((i, tensors[i]));

        for (var s = 0; s < samples.Count; s++)
            foreach (var (index, name) in fromInputs)
            {
                var fed = samples[s][name];
                if (fed.DataType != DataType.Float) ThrowHelper.Usage($"input '{name}' is {fed.DataType.OnnxName()}, but only float layer inputs can be captured");
                observe(s, index, fed.Dims, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(fed.RawBytes));
            }
        if (fromGraph.Count == 0) return;

        using var probe = model.Clone();
        var values = probe.Graph.Nodes.SelectMany(n => n.Outputs).Where(v => v.Name.Length > 0)
            .GroupBy(v => v.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        probe.Graph.Outputs.Clear();
        foreach (var (_, name) in fromGraph)
        {
            var value = values[name];
            // Shapeless on purpose: a declared or inferred shape could disagree with ORT's and fail the load.
            value.Type = new TensorType(DataType.Float, null);
            probe.Graph.Outputs.Add(value);
        }
        new RemoveDeadNodes().Run(probe, new PassContext(cancellation));
        new RemoveUnusedInitializers().Run(probe, new PassContext(cancellation));
        using var session = SessionFactory.Create(probe);
        var feeds = session.InputMetadata.Keys.ToArray();
        var fetches = fromGraph.Select(t => t.Name).ToArray();
        for (var s = 0; s < samples.Count; s++)
        {
            cancellation.ThrowIfCancellationRequested();
            var fed = feeds.Select(n => OrtTensors.ToOrtValue(samples[s][n])).ToList();
            try
            {
                using var runOptions = new RunOptions();
                using var results = session.Run(runOptions, feeds, fed, fetches);
                for (var i = 0; i < fromGraph.Count; i++)
                {
                    var info = results[i].GetTensorTypeAndShape();
                    if (info.ElementDataType != TensorElementType.Float)
                        ThrowHelper.Usage($"tensor '{fromGraph[i].Name}' is {info.ElementDataType}, but only float layer inputs can be captured");
                    observe(s, fromGraph[i].Index, info.Shape, results[i].GetTensorDataAsSpan<float>());
                }
            }
            catch (OnnxRuntimeException e)
            {
                throw new UsageException($"calibration sample {s}: ONNX Runtime cannot run the model on it: {e.Message.ReplaceLineEndings(" ").Trim()}", e);
            }
            finally
            {
                foreach (var v in fed) v.Dispose();
            }
        }
    }
}
