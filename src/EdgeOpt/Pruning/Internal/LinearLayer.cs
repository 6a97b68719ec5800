using System.Runtime.InteropServices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Pruning.Internal;

/// <summary>
/// A Conv (1-D or 2-D), Gemm or MatMul whose weight is a float initializer, seen as a linear map per group:
/// <c>y[o] = Σ_j W[o, j] · x[j] (+ b[o])</c> over the reduction columns <c>j</c>. For Conv the columns are the im2col
/// patch of one group in the weight's own order (input channel, kernel row, kernel column), so a weight row is the
/// filter flattened; for Gemm/MatMul they are the K features. Rows of <see cref="Im2Col"/> are what the layer
/// multiplies at one output position (Conv) or one row of its input (Gemm/MatMul).
/// </summary>
internal sealed class LinearLayer
{
    private LinearLayer(Node node, Value weight, Value? bias, LayerKind kind)
    {
        Node = node;
        Weight = weight;
        Bias = bias;
        Kind = kind;
    }

    public Node Node { get; }
    public Value Weight { get; }
    public Value? Bias { get; }
    public LayerKind Kind { get; }

    /// <summary>Output channels (Conv Cout, Gemm/MatMul N).</summary>
    public int Outputs { get; private init; }

    /// <summary>Conv groups (1 for Gemm/MatMul).</summary>
    public int Groups { get; private init; } = 1;

    /// <summary>Input channels of one group (Conv) or K (Gemm/MatMul).</summary>
    public int GroupInputs { get; private init; }

    /// <summary>Kernel positions (kh·kw; 1 for Gemm/MatMul).</summary>
    public int KernelSize => KernelH * KernelW;

    /// <summary>Reduction columns of one group: GroupInputs · KernelSize.</summary>
    public int Columns => GroupInputs * KernelSize;

    /// <summary>Output channels of one group.</summary>
    public int GroupOutputs => Outputs / Groups;

    public int KernelH { get; private init; } = 1;
    public int KernelW { get; private init; } = 1;
    public int StrideH { get; private init; } = 1;
    public int StrideW { get; private init; } = 1;
    public int DilationH { get; private init; } = 1;
    public int DilationW { get; private init; } = 1;
    private long[] Pads { get; init; } = [];
    private string AutoPad { get; init; } = "NOTSET";
    private bool TransposedWeight { get; init; }

    /// <summary>The node's first input (the activations the weight multiplies).</summary>
    public string InputName => Node.Inputs[0]!.Name;

    /// <summary>The node's first output.</summary>
    public string OutputName => Node.Outputs[0].Name;

    /// <summary>
    /// The layer view of <paramref name="node"/>, or null with <paramref name="reason"/> when it is not a Conv/Gemm/MatMul
    /// with a float initializer weight this view covers.
    /// </summary>
    public static LinearLayer? TryCreate(Node node, out string? reason)
    {
        reason = null;
        if (!node.IsOnnxDomain || node.OpType is not ("Conv" or "Gemm" or "MatMul")) { reason = "not a Conv, Gemm or MatMul"; return null; }
        if (node.Inputs.Count < 2 || node.Inputs[0] is null || node.Inputs[1] is not { } weight) { reason = "no weight input"; return null; }
        if (weight.Initializer is not { } w) { reason = "its weight is computed, not an initializer"; return null; }
        if (w.DataType != DataType.Float) { reason = $"its weight is {w.DataType.OnnxName()}, not float"; return null; }
        if (weight.IsGraphInput) { reason = "its weight is also a graph input (overridable)"; return null; }
        var bias = node.Inputs.Count > 2 ? node.Inputs[2] : null;
        if (bias is not null && (bias.Initializer is not { DataType: DataType.Float } || bias.IsGraphInput)) { reason = "its bias is not a float initializer"; return null; }
        var dims = w.Dims;
        switch (node.OpType)
        {
            case "Conv":
            {
                if (dims.Count is not (3 or 4)) { reason = $"a {dims.Count - 2}-D Conv (1-D and 2-D are covered)"; return null; }
                var group = (int)(node.Attributes["group"]?.AsInt() ?? 1);
                var kernelH = dims.Count == 4 ? (int)dims[2] : 1;
                var kernelW = (int)dims[^1];
                var strides = node.Attributes["strides"]?.AsInts() ?? [];
                var dilations = node.Attributes["dilations"]?.AsInts() ?? [];
                var twoD = dims.Count == 4;
                if (group <= 0 || dims[0] % group != 0) { reason = "its group does not divide the output channels"; return null; }
                if (bias is not null && bias.Initializer!.ElementCount != dims[0]) { reason = "its bias does not have one value per output channel"; return null; }
                return new LinearLayer(node, weight, bias, LayerKind.Conv)
                {
                    Outputs = (int)dims[0], Groups = group, GroupInputs = (int)dims[1], KernelH = kernelH, KernelW = kernelW,
                    StrideH = twoD ? At(strides, 0) : 1, StrideW = At(strides, twoD ? 1 : 0),
                    DilationH = twoD ? At(dilations, 0) : 1, DilationW = At(dilations, twoD ? 1 : 0),
                    Pads = node.Attributes["pads"]?.AsInts() ?? [],
                    AutoPad = node.Attributes["auto_pad"]?.AsString() ?? "NOTSET",
                };
            }
            case "Gemm":
            {
                if (dims.Count != 2) { reason = "its weight is not a matrix"; return null; }
                if ((node.Attributes["transA"]?.AsInt() ?? 0) != 0) { reason = "transA = 1"; return null; }
                if (Math.Abs((node.Attributes["alpha"]?.AsFloat() ?? 1f) - 1f) > 0) { reason = "alpha ≠ 1"; return null; }
                var transB = (node.Attributes["transB"]?.AsInt() ?? 0) != 0;
                var outputs = (int)(transB ? dims[0] : dims[1]);
                if (bias is not null && (bias.Initializer!.ElementCount != outputs || Math.Abs((node.Attributes["beta"]?.AsFloat() ?? 1f) - 1f) > 0))
                { reason = "its C is not one value per output with beta = 1"; return null; }
                return new LinearLayer(node, weight, bias, LayerKind.Gemm) { Outputs = outputs, GroupInputs = (int)(transB ? dims[1] : dims[0]), TransposedWeight = !transB };
            }
            default:
                if (dims.Count != 2) { reason = "its weight is not a matrix"; return null; }
                return new LinearLayer(node, weight, null, LayerKind.MatMul) { Outputs = (int)dims[1], GroupInputs = (int)dims[0], TransposedWeight = true };
        }

        static int At(long[] values, int index) => index < values.Length ? (int)values[index] : 1;
    }

    /// <summary>The weight of group <paramref name="group"/> as a row-major [GroupOutputs × Columns] matrix in double.</summary>
    public double[] ReadGroup(int group)
    {
        var w = MemoryMarshal.Cast<byte, float>(Weight.Initializer!.RawBytes);
        var rows = GroupOutputs;
        var cols = Columns;
        var result = new double[rows * cols];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                result[(r * cols) + c] = w[WeightIndex((group * rows) + r, c)];
        return result;
    }

    /// <summary>Every group's weight as float in the layout <see cref="ReadGroup"/> uses, groups one after another.</summary>
    public float[] ReadAll()
    {
        var w = MemoryMarshal.Cast<byte, float>(Weight.Initializer!.RawBytes);
        var result = new float[Outputs * Columns];
        for (var o = 0; o < Outputs; o++)
            for (var c = 0; c < Columns; c++)
                result[(o * Columns) + c] = w[WeightIndex(o, c)];
        return result;
    }

    /// <summary>Writes <paramref name="values"/> (layout of <see cref="ReadAll"/>) back into the weight initializer.</summary>
    public void WriteAll(ReadOnlySpan<float> values)
    {
        var data = new float[Outputs * Columns];
        for (var o = 0; o < Outputs; o++)
            for (var c = 0; c < Columns; c++)
                data[WeightIndex(o, c)] = values[(o * Columns) + c];
        Replace(Weight, data);
    }

    /// <summary>
    /// Gives <paramref name="value"/> a new float initializer with <paramref name="data"/>, same name and shape. The old
    /// tensor is never written: a cloned model shares its tensors with the model it was cloned from.
    /// </summary>
    public static void Replace(Value value, float[] data)
    {
        var old = value.Initializer!;
        value.Initializer = Tensor.FromRaw(old.Name, DataType.Float, old.Dims, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
    }

    /// <summary>The bias (zeros when the node has none).</summary>
    public float[] ReadBias() => Bias?.Initializer is { } b ? b.ToSingleArray() : new float[Outputs];

    /// <summary>Index into the weight tensor's elements of output <paramref name="output"/>, column <paramref name="column"/>.</summary>
    private int WeightIndex(int output, int column) => TransposedWeight ? (column * Outputs) + output : (output * Columns) + column;

    /// <summary>Where this layer's output positions are, given the shape of its input.</summary>
    public Geometry GeometryFor(IReadOnlyList<long> inputShape)
    {
        if (Kind != LayerKind.Conv)
        {
            var k = inputShape.Count == 0 ? 1 : inputShape[^1];
            if (k != GroupInputs) throw new EdgeOptException($"{Node.DisplayName}: its input has {k} features, its weight expects {GroupInputs}");
            var rows = 1L;
            for (var i = 0; i < inputShape.Count - 1; i++) rows *= inputShape[i];
            return new Geometry(checked((int)rows), 1, 1, 1, 1, 0, 0, 1, 1);
        }
        var twoD = KernelH > 1 || inputShape.Count == 4;
        var n = (int)inputShape[0];
        var channels = (int)inputShape[1];
        var h = twoD ? (int)inputShape[2] : 1;
        var w = (int)inputShape[^1];
        if (channels != GroupInputs * Groups) throw new EdgeOptException($"{Node.DisplayName}: its input has {channels} channels, its weight expects {GroupInputs * Groups}");
        int padTop, padLeft, outH, outW;
        if (AutoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            outH = (h + StrideH - 1) / StrideH;
            outW = (w + StrideW - 1) / StrideW;
            var totalH = Math.Max(0, ((outH - 1) * StrideH) + (DilationH * (KernelH - 1)) + 1 - h);
            var totalW = Math.Max(0, ((outW - 1) * StrideW) + (DilationW * (KernelW - 1)) + 1 - w);
            padTop = AutoPad == "SAME_UPPER" ? totalH / 2 : totalH - (totalH / 2);
            padLeft = AutoPad == "SAME_UPPER" ? totalW / 2 : totalW - (totalW / 2);
        }
        else
        {
            long top = 0, left = 0, bottom = 0, right = 0;
            if (AutoPad == "NOTSET" && Pads.Length > 0)
            {
                if (twoD && Pads.Length == 4) (top, left, bottom, right) = (Pads[0], Pads[1], Pads[2], Pads[3]);
                else if (!twoD && Pads.Length == 2) (left, right) = (Pads[0], Pads[1]);
            }
            padTop = (int)top;
            padLeft = (int)left;
            outH = (int)((h + top + bottom - (DilationH * (KernelH - 1)) - 1) / StrideH) + 1;
            outW = (int)((w + left + right - (DilationW * (KernelW - 1)) - 1) / StrideW) + 1;
        }
        return new Geometry(n * outH * outW, h, w, outH, outW, padTop, padLeft, n, channels);
    }

    /// <summary>
    /// Writes into <paramref name="row"/> (length <see cref="Columns"/>) what group <paramref name="group"/> multiplies at
    /// position <paramref name="position"/> (0 ≤ position &lt; <see cref="Geometry.Positions"/>) of <paramref name="input"/>.
    /// </summary>
    public void Im2Col(ReadOnlySpan<float> input, Geometry g, int position, int group, Span<float> row)
    {
        if (Kind != LayerKind.Conv)
        {
            input.Slice(position * GroupInputs, GroupInputs).CopyTo(row);
            return;
        }
        var plane = g.OutH * g.OutW;
        var n = position / plane;
        var oy = position % plane / g.OutW;
        var ox = position % g.OutW;
        var inPlane = g.InH * g.InW;
        var column = 0;
        for (var c = 0; c < GroupInputs; c++)
        {
            var channel = input.Slice((((n * g.Channels) + (group * GroupInputs) + c) * inPlane), inPlane);
            for (var ky = 0; ky < KernelH; ky++)
            {
                var iy = (oy * StrideH) - g.PadTop + (ky * DilationH);
                for (var kx = 0; kx < KernelW; kx++, column++)
                {
                    var ix = (ox * StrideW) - g.PadLeft + (kx * DilationW);
                    row[column] = iy >= 0 && iy < g.InH && ix >= 0 && ix < g.InW ? channel[(iy * g.InW) + ix] : 0f;
                }
            }
        }
    }

    /// <summary>
    /// Copies output channels <paramref name="channels"/> at <paramref name="position"/> of this layer's output
    /// (<paramref name="output"/>, laid out as the geometry of its input says) into <paramref name="row"/>.
    /// </summary>
    public void OutputRow(ReadOnlySpan<float> output, Geometry g, int outputChannels, int position, IReadOnlyList<int>? channels, Span<float> row)
    {
        var count = channels?.Count ?? outputChannels;
        if (Kind != LayerKind.Conv)
        {
            var source = output.Slice(position * outputChannels, outputChannels);
            for (var i = 0; i < count; i++) row[i] = source[channels?[i] ?? i];
            return;
        }
        var plane = g.OutH * g.OutW;
        var n = position / plane;
        var offset = position % plane;
        for (var i = 0; i < count; i++)
            row[i] = output[(((n * outputChannels) + (channels?[i] ?? i)) * plane) + offset];
    }

    public override string ToString() => Node.DisplayName;
}

internal enum LayerKind { Conv, Gemm, MatMul }

/// <summary>
/// Where a layer's output positions are for one input shape: <c>Positions</c> output positions (Conv: N·OutH·OutW;
/// Gemm/MatMul: input rows), the input plane, the output plane, the padding before, batch and input channels.
/// </summary>
internal readonly record struct Geometry(int Positions, int InH, int InW, int OutH, int OutW, int PadTop, int PadLeft, int Batch, int Channels);
