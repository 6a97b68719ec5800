using EdgeOpt.Quantization;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>
/// The INT8 dynamic ranges TensorRT takes from a calibration table: per activation tensor the largest magnitude the
/// plan quantizes, <c>max(|min|, |max|)</c>, used symmetrically (TensorRT's INT8 is symmetric: scale = range / 127).
/// Only per-tensor activation entries count; weights TensorRT quantizes itself from their values.
/// </summary>
internal static class CalibrationRanges
{
    /// <summary>Tensor name → dynamic range, ordered by the names' UTF-8 bytes (the order FlatBuffers' key lookup needs).</summary>
    public static SortedDictionary<string, float> From(QuantizationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var ranges = new SortedDictionary<string, float>(Utf8Order.Instance);
        foreach (var entry in plan.Tensors)
        {
            if (!entry.IsQuantized || entry.Axis is not null || entry.Min is not { } min || entry.Max is not { } max) continue;
            var range = MathF.Max(MathF.Abs(min), MathF.Abs(max));
            // An all-zero tensor: TensorRT refuses an empty range, and the QDQ model used scale × 127 for it too.
            if (!(range > 0)) range = entry.Scales.Count > 0 && entry.Scales[0] > 0 ? entry.Scales[0] * 127f : 1f;
            ranges[entry.Name] = range;
        }
        return ranges;
    }
}
