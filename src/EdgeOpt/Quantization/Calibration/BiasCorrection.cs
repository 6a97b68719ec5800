using System.Runtime.InteropServices;
using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;
using EdgeOpt.Quantization.Qdq;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Quantization.Calibration;

/// <summary>
/// Empirical bias correction (Nagel et al. 2019, "Data-Free Quantization through Weight Equalization and Bias
/// Correction", section 4.2): rounding a layer's weights shifts the mean of its output, E[W̃x] − E[Wx] = E[(W̃ − W)x],
/// by a different amount per output channel, and the shifts add up through the network. For every Conv and Gemm whose
/// weight and bias the plan quantizes, the shift is measured on the calibration inputs and subtracted from the bias.
/// <para>
/// The measurement is exact and one ONNX Runtime pass: a copy of the float model gets, beside each such layer, the
/// same operator applied to the layer's own float input with the weight error W̃ − W (no bias), as an extra output;
/// its mean over the batch and spatial positions is the shift of each channel. Each layer is corrected for its own
/// weight rounding given float inputs, as in the paper.
/// </para>
/// </summary>
internal static class BiasCorrection
{
    /// <summary>A corrected layer: its name and the largest and mean absolute change of its bias.</summary>
    public sealed record Correction(string Node, double MaxAbsShift, double MeanAbsShift);

    /// <summary>
    /// Measures the shifts on <paramref name="floatModel"/> (unchanged) and writes corrected biases into
    /// <paramref name="target"/>, a copy of it the plan is about to be applied to.
    /// </summary>
    public static IReadOnlyList<Correction> Apply(Model floatModel, Model target, QuantizationPlan plan, IEnumerable<IReadOnlyDictionary<string, Tensor>> samples)
    {
        var layers = Layers(floatModel, plan);
        if (layers.Count == 0) return [];

        using var probe = floatModel.Clone();
        var names = new NameGenerator(probe);
        var probeNodes = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var node in probe.Graph.Nodes) probeNodes.TryAdd(QdqOperators.Key(node), node);
        var outputs = new List<string>();
        foreach (var layer in layers)
        {
            var node = probeNodes[layer.Key];
            var error = probe.Graph.Initializers.Add(Tensor.Create<float>(names.Fresh(layer.Weight.Name + "_rounding_error"), layer.WeightError, [.. layer.Weight.Dims]));
            var shifted = new Value(names.Fresh(layer.Key + "_weight_error_output"), new TensorType(DataType.Float, null));
            // Gemm before opset 11 requires C: a zero vector keeps the twin valid at any opset.
            Value?[] inputs = node.OpType == "Gemm"
                ? [node.Inputs[0], error, probe.Graph.Initializers.Add(Tensor.Create<float>(names.Fresh(layer.Key + "_zero_bias"), new float[layer.Bias.Length], layer.Bias.Length))]
                : [node.Inputs[0], error];
            var twin = new Node(node.OpType, inputs, [shifted], node.Domain, names.Fresh(layer.Key + "_weight_error"));
            foreach (var attribute in node.Attributes)
                if (attribute.Name is not "beta") twin.Attributes.Set(attribute);
            probe.Graph.InsertAfter(node, twin);
            probe.Graph.Outputs.Add(shifted);
            outputs.Add(shifted.Name);
        }

        var sums = layers.Select(l => new double[l.Bias.Length]).ToArray();
        var counts = new long[layers.Count];
        using (var session = SessionFactory.Create(probe))
        {
            var inputs = session.InputMetadata.Keys.ToArray();
            foreach (var sample in samples)
            {
                var values = inputs.Select(n => OrtTensors.ToOrtValue(sample[n])).ToList();
                try
                {
                    using var runOptions = new RunOptions();
                    using var results = session.Run(runOptions, inputs, values, outputs);
                    for (var i = 0; i < layers.Count; i++)
                        counts[i] += AccumulateChannels(results[i], sums[i]);
                }
                finally
                {
                    foreach (var v in values) v.Dispose();
                }
            }
        }

        var corrections = new List<Correction>();
        var targetValues = target.Graph.Initializers.ToDictionary(v => v.Name, StringComparer.Ordinal);
        for (var i = 0; i < layers.Count; i++)
        {
            if (counts[i] == 0) continue;
            var layer = layers[i];
            var perChannel = counts[i] / layer.Bias.Length;
            var corrected = new float[layer.Bias.Length];
            double max = 0, total = 0;
            for (var c = 0; c < corrected.Length; c++)
            {
                var shift = sums[i][c] / perChannel;
                corrected[c] = (float)(layer.Bias[c] - shift);
                max = Math.Max(max, Math.Abs(shift));
                total += Math.Abs(shift);
            }
            var bias = targetValues[layer.BiasName];
            bias.Initializer = Tensor.Create<float>(bias.Name, corrected, [.. bias.Initializer!.Dims]);
            corrections.Add(new Correction(layer.Key, max, total / corrected.Length));
        }
        return corrections;
    }

    /// <summary>Adds each channel's (axis 1) values into <paramref name="sums"/>; returns how many values were added.</summary>
    private static long AccumulateChannels(OrtValue output, double[] sums)
    {
        var shape = output.GetTensorTypeAndShape().Shape;
        var data = output.GetTensorDataAsSpan<float>();
        if (shape.Length < 2 || shape[1] != sums.Length) return 0;
        var channels = sums.Length;
        var inner = 1L;
        for (var d = 2; d < shape.Length; d++) inner *= shape[d];
        for (var i = 0; i < data.Length; i++) sums[(int)(i / inner % channels)] += data[i];
        return data.Length;
    }

    private sealed record Layer(string Key, Tensor Weight, float[] WeightError, string BiasName, float[] Bias);

    /// <summary>Conv and Gemm (alpha = beta = 1) nodes whose weight the plan quantizes and whose bias is a per-channel float vector.</summary>
    private static List<Layer> Layers(Model model, QuantizationPlan plan)
    {
        var layers = new List<Layer>();
        var excluded = plan.ExcludedNodes.Select(e => e.Node).ToHashSet(StringComparer.Ordinal);
        foreach (var node in model.Graph.Nodes)
        {
            if (node is not { OpType: "Conv" or "Gemm", IsOnnxDomain: true } || excluded.Contains(QdqOperators.Key(node))) continue;
            if (node.OpType == "Gemm" && (node.Attributes.GetFloat("alpha", 1f) != 1f || node.Attributes.GetFloat("beta", 1f) != 1f
                || node.Attributes.GetInt("transA", 0) != 0)) continue;
            if (node.Inputs.ElementAtOrDefault(1) is not { Initializer: { DataType: DataType.Float } weight } w
                || node.Inputs.ElementAtOrDefault(2) is not { Initializer: { DataType: DataType.Float } bias } b
                || plan.Find(w.Name) is not { Precision: QuantizedPrecision.Int8 } entry) continue;
            var outputChannels = node.OpType == "Conv" ? weight.Dims[0] : weight.Dims[node.Attributes.GetInt("transB", 0) != 0 ? 0 : 1];
            if (bias.ElementCount != outputChannels) continue;
            layers.Add(new Layer(QdqOperators.Key(node), weight, RoundingError(weight, entry), b.Name, bias.ToSingleArray()));
        }
        return layers;
    }

    /// <summary>dequantize(quantize(W)) − W under the plan's entry.</summary>
    private static float[] RoundingError(Tensor weight, TensorQuantization entry)
    {
        var values = weight.ToSingleArray();
        var codes = MemoryMarshal.Cast<byte, sbyte>(QdqMath.Quantize(weight, entry).RawBytes);
        var (channels, inner) = entry.Axis is { } axis ? QdqMath.Slicing(weight.Dims, axis) : (1, values.Length);
        var error = new float[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var c = entry.Axis is null ? 0 : (int)(i / inner % channels);
            error[i] = ((codes[i] - entry.ZeroPoints[c]) * entry.Scales[c]) - values[i];
        }
        return error;
    }
}
