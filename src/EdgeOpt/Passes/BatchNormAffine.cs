using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// A BatchNormalization in inference form seen as a per-channel affine map on axis 1:
/// <c>y = x·Scale[c] + Shift[c]</c> with <c>Scale = γ/√(var+ε)</c> and <c>Shift = β − mean·Scale</c>.
/// Shared by the passes that fold a BatchNormalization into a producer's weights or decompose it.
/// </summary>
internal sealed record BatchNormAffine(double[] Scale, double[] Shift, DataType DataType)
{
    public int Channels => Scale.Length;

    /// <summary>
    /// Reads <paramref name="bn"/> as an affine map, or returns null when it is not one: training mode
    /// (<c>training_mode</c> = 1, or a mean/variance/saved output that something reads), per-activation statistics
    /// (<c>spatial</c> = 0 before opset 9), non-constant parameters, parameters that are not 1-D of one length, or a
    /// type other than float, double or float16. <c>consumed_inputs</c> and <c>is_test</c> (opset &lt; 7) change
    /// nothing at inference and are ignored.
    /// </summary>
    public static BatchNormAffine? TryRead(Node bn)
    {
        if (bn is not { OpType: "BatchNormalization", IsOnnxDomain: true } || bn.Inputs.Count != 5 || bn.Outputs.Count == 0) return null;
        if (bn.Attributes.GetInt("training_mode", 0) != 0 || bn.Attributes.GetInt("spatial", 1) != 1) return null;
        for (var i = 1; i < bn.Outputs.Count; i++)
            if (!GraphQueries.IsUnused(bn.Outputs[i])) return null;

        var parameters = new Tensor[4];
        for (var i = 0; i < 4; i++)
        {
            if (GraphQueries.TryGetConstant(bn.Inputs[i + 1]) is not { } t || t.Dims.Count != 1) return null;
            parameters[i] = t;
        }
        var type = parameters[0].DataType;
        var channels = parameters[0].Dims[0];
        if (!FusedWeights.IsSupported(type) || parameters.Any(p => p.DataType != type || p.Dims[0] != channels)) return null;

        var epsilon = (double)bn.Attributes.GetFloat("epsilon", 1e-5f);
        var gamma = FusedWeights.Read(parameters[0]);
        var beta = FusedWeights.Read(parameters[1]);
        var mean = FusedWeights.Read(parameters[2]);
        var variance = FusedWeights.Read(parameters[3]);
        var scale = new double[channels];
        var shift = new double[channels];
        for (var c = 0; c < channels; c++)
        {
            scale[c] = gamma[c] / Math.Sqrt(variance[c] + epsilon);
            shift[c] = beta[c] - mean[c] * scale[c];
        }
        return new BatchNormAffine(scale, shift, type);
    }

    /// <summary>
    /// Removes <paramref name="bn"/> and makes <paramref name="producer"/> produce its output <c>Y</c> in place of
    /// <paramref name="producer"/>'s own first output (which only the BatchNormalization read), so <c>Y</c> keeps its
    /// name, type and graph-output slot. The BatchNormalization's parameters are dropped if nothing else reads them.
    /// </summary>
    public static void Bypass(Node bn, Node producer)
    {
        var y = bn.Outputs[0];
        var parameters = bn.Inputs.Skip(1).ToArray();
        bn.Graph!.RemoveNode(bn, force: true);
        producer.SetOutput(0, y);
        foreach (var p in parameters) FusedWeights.ReleaseIfUnused(p);
    }
}
