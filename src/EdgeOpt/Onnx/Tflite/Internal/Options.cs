using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Onnx.Tflite.Internal;

/// <summary>
/// Reads an operator's builtin options table by slot (schema.fbs field order); an absent table or field gives the
/// schema's default, as in TFLite.
/// </summary>
internal static class Options
{
    public static FusedActivation Activation(TfliteOperator op, int slot) => (FusedActivation)(op.Options?.Byte(slot) ?? 0);
    public static int Int(TfliteOperator op, int slot, int fallback = 0) => op.Options?.Int(slot, fallback) ?? fallback;
    public static float Float(TfliteOperator op, int slot, float fallback = 0) => op.Options?.Float(slot, fallback) ?? fallback;
    public static bool Bool(TfliteOperator op, int slot, bool fallback = false) => op.Options?.Bool(slot, fallback) ?? fallback;
    public static byte Byte(TfliteOperator op, int slot, byte fallback = 0) => op.Options?.Byte(slot, fallback) ?? fallback;
    public static int[] Ints(TfliteOperator op, int slot) => op.Options is { } o && o.Has(slot) ? o.Ints(slot, $"{o.What} field {slot}") : [];

    /// <summary>TFLite's <c>Padding</c> enum: SAME = 0, VALID = 1.</summary>
    public static bool IsSame(TfliteOperator op, int slot) => Byte(op, slot) == 0;
}
