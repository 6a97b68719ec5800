using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Onnx.Tflite.Internal;

internal sealed partial class TfliteGraphConverter
{
    private void ConvertOperator(TfliteOperator op)
    {
        switch (op.Code.Builtin)
        {
            case BuiltinOperator.CONV_2D: Conv2D(op); break;
            case BuiltinOperator.DEPTHWISE_CONV_2D: DepthwiseConv2D(op); break;
            case BuiltinOperator.TRANSPOSE_CONV: TransposeConv(op); break;
            case BuiltinOperator.FULLY_CONNECTED: FullyConnected(op); break;
            case BuiltinOperator.AVERAGE_POOL_2D: Pool(op, "AveragePool"); break;
            case BuiltinOperator.MAX_POOL_2D: Pool(op, "MaxPool"); break;
            case BuiltinOperator.L2_POOL_2D: Pool(op, "LpPool"); break;

            case BuiltinOperator.ADD: Binary(op, "Add", Options.Activation(op, 0)); break;
            case BuiltinOperator.SUB: Binary(op, "Sub", Options.Activation(op, 0)); break;
            case BuiltinOperator.MUL: Binary(op, "Mul", Options.Activation(op, 0)); break;
            case BuiltinOperator.DIV: Binary(op, "Div", Options.Activation(op, 0)); break;
            case BuiltinOperator.MAXIMUM: Binary(op, "Max", FusedActivation.NONE); break;
            case BuiltinOperator.MINIMUM: Binary(op, "Min", FusedActivation.NONE); break;
            case BuiltinOperator.POW: Binary(op, "Pow", FusedActivation.NONE); break;
            case BuiltinOperator.SQUARED_DIFFERENCE: SquaredDifference(op); break;
            case BuiltinOperator.FLOOR_DIV: FloorDiv(op); break;
            case BuiltinOperator.LESS: Binary(op, "Less", FusedActivation.NONE); break;
            case BuiltinOperator.LESS_EQUAL: Binary(op, "LessOrEqual", FusedActivation.NONE); break;
            case BuiltinOperator.GREATER: Binary(op, "Greater", FusedActivation.NONE); break;
            case BuiltinOperator.GREATER_EQUAL: Binary(op, "GreaterOrEqual", FusedActivation.NONE); break;
            case BuiltinOperator.EQUAL: Binary(op, "Equal", FusedActivation.NONE); break;
            case BuiltinOperator.NOT_EQUAL: NotEqual(op); break;
            case BuiltinOperator.LOGICAL_AND: Binary(op, "And", FusedActivation.NONE); break;
            case BuiltinOperator.LOGICAL_OR: Binary(op, "Or", FusedActivation.NONE); break;
            case BuiltinOperator.SELECT or BuiltinOperator.SELECT_V2: Select(op); break;

            case BuiltinOperator.RELU: Unary(op, "Relu"); break;
            case BuiltinOperator.RELU6: Clip(op, 0, 6); break;
            case BuiltinOperator.RELU_N1_TO_1: Clip(op, -1, 1); break;
            case BuiltinOperator.RELU_0_TO_1: Clip(op, 0, 1); break;
            case BuiltinOperator.LOGISTIC: Unary(op, "Sigmoid"); break;
            case BuiltinOperator.TANH: Unary(op, "Tanh"); break;
            case BuiltinOperator.HARD_SWISH: Unary(op, "HardSwish"); break;
            case BuiltinOperator.ELU: Unary(op, "Elu"); break;
            case BuiltinOperator.EXP: Unary(op, "Exp"); break;
            case BuiltinOperator.LOG: Unary(op, "Log"); break;
            case BuiltinOperator.SQRT: Unary(op, "Sqrt"); break;
            case BuiltinOperator.ABS: Unary(op, "Abs"); break;
            case BuiltinOperator.NEG: Unary(op, "Neg"); break;
            case BuiltinOperator.FLOOR: Unary(op, "Floor"); break;
            case BuiltinOperator.CEIL: Unary(op, "Ceil"); break;
            case BuiltinOperator.ROUND: Unary(op, "Round"); break;
            case BuiltinOperator.SIN: Unary(op, "Sin"); break;
            case BuiltinOperator.COS: Unary(op, "Cos"); break;
            case BuiltinOperator.SIGN: Unary(op, "Sign"); break;
            case BuiltinOperator.LOGICAL_NOT: Unary(op, "Not"); break;
            case BuiltinOperator.RSQRT: Rsqrt(op); break;
            case BuiltinOperator.SQUARE: Square(op); break;
            case BuiltinOperator.LEAKY_RELU: LeakyRelu(op); break;
            case BuiltinOperator.PRELU: PRelu(op); break;
            case BuiltinOperator.GELU: Gelu(op); break;
            case BuiltinOperator.SOFTMAX: Softmax(op, log: false); break;
            case BuiltinOperator.LOG_SOFTMAX: Softmax(op, log: true); break;
            case BuiltinOperator.CAST: Cast(op); break;

            case BuiltinOperator.MEAN: Reduce(op, "ReduceMean"); break;
            case BuiltinOperator.SUM: Reduce(op, "ReduceSum"); break;
            case BuiltinOperator.REDUCE_MAX: Reduce(op, "ReduceMax"); break;
            case BuiltinOperator.REDUCE_MIN: Reduce(op, "ReduceMin"); break;
            case BuiltinOperator.REDUCE_PROD: Reduce(op, "ReduceProd"); break;
            case BuiltinOperator.ARG_MAX: ArgMinMax(op, "ArgMax"); break;
            case BuiltinOperator.ARG_MIN: ArgMinMax(op, "ArgMin"); break;

            case BuiltinOperator.RESHAPE: Reshape(op); break;
            case BuiltinOperator.SQUEEZE: Reshape(op); break;
            case BuiltinOperator.EXPAND_DIMS: Reshape(op); break;
            case BuiltinOperator.CONCATENATION: Concatenation(op); break;
            case BuiltinOperator.PACK: Pack(op); break;
            case BuiltinOperator.UNPACK: Unpack(op); break;
            case BuiltinOperator.PAD or BuiltinOperator.PADV2: Pad(op, "constant"); break;
            case BuiltinOperator.MIRROR_PAD: MirrorPad(op); break;
            case BuiltinOperator.STRIDED_SLICE: StridedSlice(op); break;
            case BuiltinOperator.SLICE: Slice(op); break;
            case BuiltinOperator.GATHER: Gather(op); break;
            case BuiltinOperator.GATHER_ND: GatherNd(op); break;
            case BuiltinOperator.SPLIT: Split(op, axisInput: 0, dataInput: 1, sizesInput: -1); break;
            case BuiltinOperator.SPLIT_V: Split(op, axisInput: 2, dataInput: 0, sizesInput: 1); break;
            case BuiltinOperator.TRANSPOSE: TransposeOp(op); break;
            case BuiltinOperator.TILE: Tile(op); break;
            case BuiltinOperator.BROADCAST_TO: BroadcastTo(op); break;
            case BuiltinOperator.SHAPE: ShapeOp(op); break;
            case BuiltinOperator.SPACE_TO_DEPTH: DepthSpace(op, "SpaceToDepth"); break;
            case BuiltinOperator.DEPTH_TO_SPACE: DepthSpace(op, "DepthToSpace"); break;
            case BuiltinOperator.RESIZE_BILINEAR: Resize(op, nearest: false); break;
            case BuiltinOperator.RESIZE_NEAREST_NEIGHBOR: Resize(op, nearest: true); break;
            case BuiltinOperator.BATCH_MATMUL: BatchMatMul(op); break;
            case BuiltinOperator.L2_NORMALIZATION: L2Normalization(op); break;

            case BuiltinOperator.QUANTIZE: Quantize(op); break;
            case BuiltinOperator.DEQUANTIZE: Dequantize(op); break;
            case BuiltinOperator.DENSIFY: Densify(op); break;
            case BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM: UnidirectionalSequenceLstm(op); break;
            case BuiltinOperator.SVDF: Svdf(op); break;
            case BuiltinOperator.CUSTOM: Custom(op); break;
            default:
                Unsupported($"TFLite operator {op.Code.Name} is not supported by the converter");
                break;
        }
    }

    // ---- helpers shared by the operator files -----------------------------------------------------------------------

    /// <summary>Input <paramref name="i"/> of the operator, or -1 when absent or marked optional.</summary>
    public static int In(TfliteOperator op, int i) => i < op.Inputs.Length ? op.Inputs[i] : -1;

    public int RequireInput(TfliteOperator op, int i, string what)
    {
        var t = In(op, i);
        if (t < 0) Malformed($"input {i} ({what}) is missing");
        return t;
    }

    public int Out(TfliteOperator op, int i = 0)
    {
        if (i >= op.Outputs.Length) Malformed($"has {op.Outputs.Length} outputs, output {i} needed");
        return op.Outputs[i];
    }

    /// <summary>Applies a fused activation function to a float value.</summary>
    public Value Activate(Value x, FusedActivation activation) => activation switch
    {
        FusedActivation.NONE => x,
        FusedActivation.RELU => Emit("Relu", x),
        FusedActivation.RELU6 => Emit("Clip", x, Scalar(0), Scalar(6)),
        FusedActivation.RELU_N1_TO_1 => Emit("Clip", x, Scalar(-1), Scalar(1)),
        FusedActivation.TANH => Emit("Tanh", x),
        FusedActivation.SIGN_BIT => Emit("Sign", x),
        _ => Unsupported<Value>($"fused activation {(int)activation} is not a TFLite activation"),
    };

    /// <summary>Native axis → channels-first axis of a rank-4 tensor.</summary>
    public static int ChannelsFirstAxis(int nativeAxis) => ToNative[nativeAxis];

    public static int NormalizeAxis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);
}
