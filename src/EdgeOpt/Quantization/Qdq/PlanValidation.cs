namespace EdgeOpt.Quantization.Qdq;

/// <summary>Checks a plan is self-consistent before it is applied or accepted from a file, so a bad entry is reported by name.</summary>
internal static class PlanValidation
{
    public static void CheckShape(QuantizationPlan plan, string source)
    {
        if (plan.Version != QuantizationPlan.CurrentVersion)
            ThrowHelper.ModelFormat($"{source}: quantization plan version {plan.Version} is not supported (expected {QuantizationPlan.CurrentVersion})");
        if (plan.ActivationType is not (QuantizedPrecision.UInt8 or QuantizedPrecision.Int8))
            ThrowHelper.ModelFormat($"{source}: activation type must be uint8 or int8, not {plan.ActivationType}");
        if (plan.Tensors is null || plan.ExcludedNodes is null || plan.FoldedActivations is null)
            ThrowHelper.ModelFormat($"{source}: quantization plan lacks its tensors, excludedNodes or foldedActivations list");
        foreach (var t in plan.Tensors!)
        {
            if (t is null || string.IsNullOrEmpty(t.Name)) ThrowHelper.ModelFormat($"{source}: a tensor entry has no name");
            if (!t!.IsQuantized) continue;
            if (t.Scales is null || t.ZeroPoints is null || t.Scales.Count == 0 || t.Scales.Count != t.ZeroPoints.Count)
                ThrowHelper.ModelFormat($"{source}: tensor '{t.Name}' needs as many zero points as scales (at least one)");
            if (t.Scales!.Count > 1 && t.Axis is null)
                ThrowHelper.ModelFormat($"{source}: tensor '{t.Name}' has {t.Scales.Count} scales but no axis");
            foreach (var s in t.Scales)
                if (!float.IsFinite(s) || s <= 0)
                    ThrowHelper.ModelFormat($"{source}: tensor '{t.Name}' has scale {s}; scales must be positive and finite");
            var (min, max) = QdqMath.IntegerRange(t.Precision);
            foreach (var z in t.ZeroPoints!)
                if (z < min || z > max)
                    ThrowHelper.ModelFormat($"{source}: tensor '{t.Name}' has zero point {z}, outside {t.Precision} [{min}, {max}]");
        }
    }
}
