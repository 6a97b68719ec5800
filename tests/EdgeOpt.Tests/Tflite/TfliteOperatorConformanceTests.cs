using EdgeOpt.Onnx.Tflite;
using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Tests.Tflite;

/// <summary>
/// One tiny model per operator of the common mobile set (issue 17) that no real-model test covers: built with
/// <see cref="TfliteFileBuilder"/>, run by Google's TFLite interpreter as the reference and, converted, by ONNX Runtime
/// on the same seeded random input. Most spatial ops follow a CONV_2D so that the channels-first layout the converter
/// keeps after a convolution meets the op's own axis handling.
/// </summary>
public class TfliteOperatorConformanceTests
{
    public static TheoryData<string> Cases => [.. OperatorCases.All.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_converted_operator_agrees_with_tflite_s_own_interpreter(string operatorCase)
    {
        var net = OperatorCases.All[operatorCase]();
        var bytes = net.File.Build();
        using var dir = new TempDir();
        var path = dir.File(operatorCase + ".tflite");
        File.WriteAllBytes(path, bytes);

        var random = new Random(17);
        var inputs = net.Graph.Inputs.Select(i => (Shape: net.Graph.Tensors[i].Shape, Data: RandomData(net.Graph.Tensors[i], random))).ToArray();
        var expected = TfliteReference.Run(path, inputs);
        Assert.NotEmpty(expected);

        using var model = TfliteConverter.Convert(bytes, operatorCase + ".tflite");
        var actual = OrtRun.Run(model, [.. inputs.Select(i => (i.Shape.Select(d => (long)d).ToArray(), i.Data))]);

        Assert.Equal(expected.Count, actual.Count);
        for (var o = 0; o < expected.Count; o++)
        {
            Assert.Equal(expected[o].Shape.Select(d => (long)d), actual[o].Shape);
            var want = OrtRun.AsDoubles(expected[o].Data);
            var got = OrtRun.AsDoubles(actual[o].Data);
            Assert.Equal(want.Length, got.Length);
            var quantized = expected[o].Data is sbyte[] or byte[];
            for (var i = 0; i < want.Length; i++)
            {
                var tolerance = quantized ? 1.0 : 1e-5 + (1e-4 * Math.Abs(want[i]));
                Assert.True(Math.Abs(want[i] - got[i]) <= tolerance,
                    $"{operatorCase}: output {o} element {i}: TFLite {want[i]}, converted {got[i]}");
            }
        }
    }

    /// <summary>
    /// The options tables reach TFLite (their union types are right): cases that differ only in an option give
    /// TFLite different numbers, so agreement above is not both sides reading defaults.
    /// </summary>
    [Theory]
    [InlineData("gelu exact", "gelu tanh approximation")]
    [InlineData("resize nearest align corners", "resize nearest half pixel centers")]
    [InlineData("resize bilinear asymmetric", "resize bilinear half pixel centers")]
    public void Cases_differing_only_in_an_option_give_tflite_different_results(string first, string second)
    {
        float[] Reference(string name)
        {
            var net = OperatorCases.All[name]();
            using var dir = new TempDir();
            var path = dir.File("model.tflite");
            File.WriteAllBytes(path, net.File.Build());
            var input = net.Graph.Tensors[net.Graph.Inputs[0]];
            return Assert.IsType<float[]>(TfliteReference.Run(path, (input.Shape, RandomData(input, new Random(17))))[0].Data);
        }

        Assert.NotEqual(Reference(first), Reference(second));
    }

    private static Array RandomData(TflTensor tensor, Random random)
    {
        var count = tensor.Shape.Aggregate(1, (a, b) => a * b);
        return tensor.Type switch
        {
            TfliteTensorType.INT8 => Enumerable.Range(0, count).Select(_ => (sbyte)random.Next(-128, 128)).ToArray(),
            _ => Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 4) - 2)).ToArray(),
        };
    }
}

/// <summary>A model under construction: one subgraph, operator codes added as used, constants from a seeded random source.</summary>
internal sealed class OperatorNet
{
    public TfliteFileBuilder File { get; } = new();
    public TflSubgraph Graph { get; } = new();
    private readonly Dictionary<BuiltinOperator, int> _codes = [];
    private readonly Random _random = new(5);
    private readonly List<int> _inputs = [];

    public int Input(int[] shape, TfliteTensorType type = TfliteTensorType.FLOAT32, TflQuantization? quantization = null)
    {
        var t = Graph.Add(new TflTensor { Shape = shape, Type = type, Quantization = quantization, Name = $"input_{_inputs.Count}" });
        _inputs.Add(t);
        Graph.Inputs = [.. _inputs];
        return t;
    }

    public int Floats(int[] shape, float[]? values = null)
    {
        values ??= Enumerable.Range(0, shape.Aggregate(1, (a, b) => a * b)).Select(_ => (float)((_random.NextDouble() * 2) - 1)).ToArray();
        return Graph.Add(new TflTensor { Shape = shape, Name = $"const_{Graph.Tensors.Count}", Buffer = File.AddBuffer(values) });
    }

    public int Ints(int[] shape, params int[] values) =>
        Graph.Add(new TflTensor { Shape = shape, Type = TfliteTensorType.INT32, Name = $"const_{Graph.Tensors.Count}", Buffer = File.AddBuffer(values) });

    public int Constant<T>(int[] shape, TfliteTensorType type, TflQuantization? quantization, params T[] values) where T : unmanaged =>
        Graph.Add(new TflTensor { Shape = shape, Type = type, Quantization = quantization, Name = $"const_{Graph.Tensors.Count}", Buffer = File.AddBuffer(values) });

    /// <summary>Adds the operator and its one output tensor; returns the output.</summary>
    public int Op(BuiltinOperator op, int[] inputs, int[] outputShape, byte optionsType = 0, (int, object)[]? options = null,
        TfliteTensorType type = TfliteTensorType.FLOAT32, TflQuantization? quantization = null) =>
        Ops(op, inputs, [outputShape], optionsType, options, type, quantization)[0];

    public int[] Ops(BuiltinOperator op, int[] inputs, int[][] outputShapes, byte optionsType = 0, (int, object)[]? options = null,
        TfliteTensorType type = TfliteTensorType.FLOAT32, TflQuantization? quantization = null)
    {
        if (!_codes.TryGetValue(op, out var code)) _codes[op] = code = File.AddCode(op);
        var outputs = outputShapes.Select(s => Graph.Add(new TflTensor { Shape = s, Type = type, Quantization = quantization, Name = $"{op}_{Graph.Tensors.Count}" })).ToArray();
        Graph.Operators.Add(new TflOperator { OpcodeIndex = (uint)code, Inputs = inputs, Outputs = outputs, OptionsType = optionsType, Options = options ?? (optionsType == 0 ? null : []) });
        return outputs;
    }

    /// <summary>A 3×3 SAME CONV_2D with random weights and bias, stride 1: NHWC [1,H,W,C] to [1,H,W,outChannels].</summary>
    public int Conv(int x, int outChannels)
    {
        var shape = Graph.Tensors[x].Shape;
        var w = Floats([outChannels, 3, 3, shape[3]]);
        var b = Floats([outChannels]);
        return Op(BuiltinOperator.CONV_2D, [x, w, b], [shape[0], shape[1], shape[2], outChannels], Opt.Conv2D, [(0, (byte)0), (1, 1), (2, 1), (3, (byte)0), (4, 1), (5, 1)]);
    }

    public OperatorNet Outputs(params int[] outputs)
    {
        Graph.Outputs = outputs;
        File.Subgraphs.Add(Graph);
        return this;
    }
}

/// <summary>BuiltinOptions union types (schema.fbs order) of the options tables the cases write.</summary>
internal static class Opt
{
    public const byte Conv2D = 1, DepthwiseConv2D = 2, Pool2D = 5, FullyConnected = 8, Softmax = 9, Concatenation = 10, Add = 11,
        ResizeBilinear = 15, Reshape = 17, Pad = 22, Gather = 23, Transpose = 26, Reducer = 27, Sub = 28, Div = 29, Squeeze = 30,
        StridedSlice = 32, Split = 35, PadV2 = 43, Slice = 48, TransposeConv = 49, ExpandDims = 52, ResizeNearestNeighbor = 74,
        LeakyRelu = 75, SplitV = 79, HardSwish = 91, BatchMatMul = 101, Gelu = 116;
}

internal static class OperatorCases
{
    private static readonly int[] Image = [1, 5, 7, 3];

    public static readonly IReadOnlyDictionary<string, Func<OperatorNet>> All = new Dictionary<string, Func<OperatorNet>>
    {
        ["gelu exact"] = () => Gelu(false),
        ["gelu tanh approximation"] = () => Gelu(true),
        ["batch matmul"] = () => BatchMatMul(false, false),
        ["batch matmul adj x adj y"] = () => BatchMatMul(true, true),
        ["gather axis 0"] = () => Gather(0),
        ["gather axis 1"] = () => Gather(1),
        ["softmax beta 0.5"] = () => Unary(BuiltinOperator.SOFTMAX, conv: false, Opt.Softmax, [(0, 0.5f)], [2, 6]),
        ["mean of conv axes 1 2"] = () => Reduce(BuiltinOperator.MEAN, [1, 2], false),
        ["mean of conv axes 1 2 keep dims"] = () => Reduce(BuiltinOperator.MEAN, [1, 2], true),
        ["mean of conv axis 3"] = () => Reduce(BuiltinOperator.MEAN, [3], false),
        ["sum of conv axis 2"] = () => Reduce(BuiltinOperator.SUM, [2], false),
        ["resize bilinear align corners"] = () => Resize(false, true, false),
        ["resize bilinear half pixel centers"] = () => Resize(false, false, true),
        ["resize bilinear asymmetric"] = () => Resize(false, false, false),
        ["resize nearest align corners"] = () => Resize(true, true, false),
        ["resize nearest half pixel centers"] = () => Resize(true, false, true),
        ["resize nearest asymmetric"] = () => Resize(true, false, false),
        ["split of conv channels"] = Split,
        ["split v of conv width"] = SplitV,
        ["slice of conv"] = Slice,
        ["strided slice with masks and shrink"] = StridedSlice,
        ["transpose of conv"] = () => Transpose(conv: true),
        ["transpose of input"] = () => Transpose(conv: false),
        ["concatenation of two convs on axis 3"] = Concatenation,
        ["pad channels and space"] = () => Pad(false),
        ["padv2 channels and space"] = () => Pad(true),
        ["prelu alpha 1 1 c"] = Prelu,
        ["leaky relu"] = () => Unary(BuiltinOperator.LEAKY_RELU, conv: true, Opt.LeakyRelu, [(0, 0.2f)]),
        ["hard swish"] = () => Unary(BuiltinOperator.HARD_SWISH, conv: true, Opt.HardSwish, []),
        ["logistic"] = () => Unary(BuiltinOperator.LOGISTIC, conv: true),
        ["tanh"] = () => Unary(BuiltinOperator.TANH, conv: false),
        ["relu6"] = () => Unary(BuiltinOperator.RELU6, conv: true, scale: 4),
        ["relu n1 to 1"] = () => Unary(BuiltinOperator.RELU_N1_TO_1, conv: false),
        ["average pool same odd"] = () => Pool(BuiltinOperator.AVERAGE_POOL_2D),
        ["max pool same odd"] = () => Pool(BuiltinOperator.MAX_POOL_2D),
        ["depthwise multiplier 2 dilation 2"] = Depthwise,
        ["transpose conv same odd output"] = TransposeConv,
        ["fully connected rank 3 keep num dims"] = FullyConnected,
        ["squeeze"] = Squeeze,
        ["expand dims"] = ExpandDims,
        ["reshape of conv"] = Reshape,
        ["div"] = Div,
        ["sub rank 1 constant from conv"] = Sub,
        ["int8 conv add average pool"] = QuantizedChain,
    };

    private static OperatorNet Gelu(bool approximate)
    {
        var n = new OperatorNet();
        var x = n.Input([2, 8]);
        return n.Outputs(n.Op(BuiltinOperator.GELU, [x], [2, 8], Opt.Gelu, [(0, approximate)]));
    }

    private static OperatorNet BatchMatMul(bool adjX, bool adjY)
    {
        var n = new OperatorNet();
        var a = n.Input(adjX ? [2, 4, 3] : [2, 3, 4]);
        var b = n.Input(adjY ? [2, 5, 4] : [2, 4, 5]);
        return n.Outputs(n.Op(BuiltinOperator.BATCH_MATMUL, [a, b], [2, 3, 5], Opt.BatchMatMul, [(0, adjX), (1, adjY)]));
    }

    private static OperatorNet Gather(int axis)
    {
        var n = new OperatorNet();
        var x = n.Input([4, 5, 2]);
        var indices = n.Ints([3], 3, 0, 2);
        int[] shape = axis == 0 ? [3, 5, 2] : [4, 3, 2];
        return n.Outputs(n.Op(BuiltinOperator.GATHER, [x, indices], shape, Opt.Gather, [(0, axis)]));
    }

    private static OperatorNet Unary(BuiltinOperator op, bool conv, byte optionsType = 0, (int, object)[]? options = null, int[]? shape = null, float scale = 1)
    {
        var n = new OperatorNet();
        var x = n.Input(shape ?? Image);
        var v = conv ? n.Conv(x, 4) : x;
        if (scale != 1) v = n.Op(BuiltinOperator.MUL, [v, n.Floats([1], [scale])], n.Graph.Tensors[v].Shape, 21, []);
        return n.Outputs(n.Op(op, [v], n.Graph.Tensors[v].Shape, optionsType, options));
    }

    private static OperatorNet Reduce(BuiltinOperator op, int[] axes, bool keepDims)
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 4);
        int[] shape = [1, 5, 7, 4];
        var outShape = keepDims
            ? shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray()
            : shape.Where((_, i) => !axes.Contains(i)).ToArray();
        return n.Outputs(n.Op(op, [c, n.Ints([axes.Length], axes)], outShape, Opt.Reducer, [(0, keepDims)]));
    }

    private static OperatorNet Resize(bool nearest, bool alignCorners, bool halfPixel)
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 2);
        var size = n.Ints([2], 8, 11);
        return n.Outputs(nearest
            ? n.Op(BuiltinOperator.RESIZE_NEAREST_NEIGHBOR, [c, size], [1, 8, 11, 2], Opt.ResizeNearestNeighbor, [(0, alignCorners), (1, halfPixel)])
            : n.Op(BuiltinOperator.RESIZE_BILINEAR, [c, size], [1, 8, 11, 2], Opt.ResizeBilinear, [(2, alignCorners), (3, halfPixel)]));
    }

    private static OperatorNet Split()
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 6);
        var parts = n.Ops(BuiltinOperator.SPLIT, [n.Ints([], 3), c], [[1, 5, 7, 2], [1, 5, 7, 2], [1, 5, 7, 2]], Opt.Split, [(0, 3)]);
        return n.Outputs(parts);
    }

    private static OperatorNet SplitV()
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 2);
        var parts = n.Ops(BuiltinOperator.SPLIT_V, [c, n.Ints([2], 3, 4), n.Ints([], 2)], [[1, 5, 3, 2], [1, 5, 4, 2]], Opt.SplitV, [(0, 2)]);
        return n.Outputs(parts);
    }

    private static OperatorNet Slice()
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 4);
        return n.Outputs(n.Op(BuiltinOperator.SLICE, [c, n.Ints([4], 0, 1, 2, 1), n.Ints([4], 1, 3, -1, 2)], [1, 3, 5, 2], Opt.Slice, []));
    }

    private static OperatorNet StridedSlice()
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 4);
        // begin_mask on H (from the start), end_mask on W (to the end), W stride 2, channel 1 taken by shrink_axis_mask.
        var begin = n.Ints([4], 0, 3, 1, 1);
        var end = n.Ints([4], 1, 4, 0, 2);
        var strides = n.Ints([4], 1, 1, 2, 1);
        return n.Outputs(n.Op(BuiltinOperator.STRIDED_SLICE, [c, begin, end, strides], [1, 4, 3], Opt.StridedSlice,
            [(0, 0b0010), (1, 0b0100), (2, 0), (3, 0), (4, 0b1000)]));
    }

    private static OperatorNet Transpose(bool conv)
    {
        var n = new OperatorNet();
        var x = n.Input(Image);
        var v = conv ? n.Conv(x, 4) : x;
        var s = n.Graph.Tensors[v].Shape;
        return n.Outputs(n.Op(BuiltinOperator.TRANSPOSE, [v, n.Ints([4], 0, 3, 2, 1)], [s[0], s[3], s[2], s[1]], Opt.Transpose, []));
    }

    private static OperatorNet Concatenation()
    {
        var n = new OperatorNet();
        var x = n.Input(Image);
        var a = n.Conv(x, 2);
        var b = n.Conv(x, 3);
        return n.Outputs(n.Op(BuiltinOperator.CONCATENATION, [a, b], [1, 5, 7, 5], Opt.Concatenation, [(0, 3), (1, (byte)0)]));
    }

    private static OperatorNet Pad(bool v2)
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 2);
        var paddings = n.Ints([4, 2], 0, 0, 1, 2, 0, 1, 1, 2);
        return n.Outputs(v2
            ? n.Op(BuiltinOperator.PADV2, [c, paddings, n.Floats([], [0.75f])], [1, 8, 8, 5], Opt.PadV2, [])
            : n.Op(BuiltinOperator.PAD, [c, paddings], [1, 8, 8, 5], Opt.Pad, []));
    }

    private static OperatorNet Prelu()
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 4);
        return n.Outputs(n.Op(BuiltinOperator.PRELU, [c, n.Floats([1, 1, 4], [0.1f, -0.5f, 0.3f, 2f])], [1, 5, 7, 4]));
    }

    private static OperatorNet Pool(BuiltinOperator op)
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 3);
        // SAME, stride 2, 3×3 window: 5×7 to 3×4, the windows at the edges partly outside.
        return n.Outputs(n.Op(op, [c], [1, 3, 4, 3], Opt.Pool2D, [(0, (byte)0), (1, 2), (2, 2), (3, 3), (4, 3), (5, (byte)0)]));
    }

    private static OperatorNet Depthwise()
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 3);
        var w = n.Floats([1, 3, 3, 6]);
        var b = n.Floats([6]);
        return n.Outputs(n.Op(BuiltinOperator.DEPTHWISE_CONV_2D, [c, w, b], [1, 5, 7, 6], Opt.DepthwiseConv2D,
            [(0, (byte)0), (1, 1), (2, 1), (3, 2), (4, (byte)0), (5, 2), (6, 2)]));
    }

    private static OperatorNet TransposeConv()
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 3);
        // Stride 2, SAME: 5×7 may come from 9×13 or 10×14; the odd output takes 9×13.
        var outputShape = n.Ints([4], 1, 9, 13, 2);
        var w = n.Floats([2, 3, 3, 3]);
        return n.Outputs(n.Op(BuiltinOperator.TRANSPOSE_CONV, [outputShape, w, c], [1, 9, 13, 2], Opt.TransposeConv,
            [(0, (byte)0), (1, 2), (2, 2), (3, (byte)0)]));
    }

    private static OperatorNet FullyConnected()
    {
        var n = new OperatorNet();
        var x = n.Input([1, 3, 5]);
        return n.Outputs(n.Op(BuiltinOperator.FULLY_CONNECTED, [x, n.Floats([4, 5]), n.Floats([4])], [1, 3, 4], Opt.FullyConnected,
            [(0, (byte)0), (1, (byte)0), (2, true)]));
    }

    private static OperatorNet Squeeze()
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input([1, 1, 7, 3]), 4);
        // No squeeze_dims: every size-1 dimension goes.
        return n.Outputs(n.Op(BuiltinOperator.SQUEEZE, [c], [7, 4], Opt.Squeeze, []));
    }

    private static OperatorNet ExpandDims()
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 2);
        return n.Outputs(n.Op(BuiltinOperator.EXPAND_DIMS, [c, n.Ints([], 3)], [1, 5, 7, 1, 2], Opt.ExpandDims, []));
    }

    private static OperatorNet Reshape()
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 4);
        return n.Outputs(n.Op(BuiltinOperator.RESHAPE, [c, n.Ints([3], 1, 35, 4)], [1, 35, 4], Opt.Reshape, []));
    }

    private static OperatorNet Div()
    {
        var n = new OperatorNet();
        var x = n.Input([2, 3, 4]);
        // A constant divisor broadcast over the last axis, kept away from zero, of both signs.
        var d = n.Floats([4], [0.5f, -1.25f, 1.5f, -0.75f]);
        return n.Outputs(n.Op(BuiltinOperator.DIV, [x, d], [2, 3, 4], Opt.Div, [(0, (byte)0)]));
    }

    private static OperatorNet Sub()
    {
        var n = new OperatorNet();
        var c = n.Conv(n.Input(Image), 4);
        return n.Outputs(n.Op(BuiltinOperator.SUB, [c, n.Floats([4], [1f, -2f, 0.5f, 3f])], [1, 5, 7, 4], Opt.Sub, [(0, (byte)0)]));
    }

    private static OperatorNet QuantizedChain()
    {
        var n = new OperatorNet();
        static TflQuantization Q(float scale, long zeroPoint) => new() { Scale = [scale], ZeroPoint = [zeroPoint] };
        var x = n.Input([1, 5, 5, 2], TfliteTensorType.INT8, Q(0.05f, 3));
        float[] wScales = [0.01f, 0.02f, 0.015f];
        var random = new Random(3);
        var weights = Enumerable.Range(0, 3 * 3 * 3 * 2).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        var w = n.Constant([3, 3, 3, 2], TfliteTensorType.INT8,
            new TflQuantization { Scale = wScales, ZeroPoint = [0, 0, 0], QuantizedDimension = 0 }, weights);
        var b = n.Constant([3], TfliteTensorType.INT32,
            new TflQuantization { Scale = [.. wScales.Select(s => s * 0.05f)], ZeroPoint = [0, 0, 0], QuantizedDimension = 0 }, 100, -250, 40);
        var conv = n.Op(BuiltinOperator.CONV_2D, [x, w, b], [1, 5, 5, 3], Opt.Conv2D, [(0, (byte)0), (1, 1), (2, 1), (3, (byte)0), (4, 1), (5, 1)],
            TfliteTensorType.INT8, Q(0.08f, -5));
        var c = n.Constant<sbyte>([3], TfliteTensorType.INT8, Q(0.02f, 0), 25, -40, 60);
        var sum = n.Op(BuiltinOperator.ADD, [conv, c], [1, 5, 5, 3], Opt.Add, [(0, (byte)0)], TfliteTensorType.INT8, Q(0.1f, 2));
        var pooled = n.Op(BuiltinOperator.AVERAGE_POOL_2D, [sum], [1, 3, 3, 3], Opt.Pool2D,
            [(0, (byte)0), (1, 2), (2, 2), (3, 2), (4, 2), (5, (byte)0)], TfliteTensorType.INT8, Q(0.1f, 2));
        return n.Outputs(pooled);
    }
}
