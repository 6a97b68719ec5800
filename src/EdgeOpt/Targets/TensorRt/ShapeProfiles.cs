using EdgeOpt.Onnx;
using EdgeOpt.Passes;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>
/// Input shapes for TensorRT, which builds an engine for fixed shapes or for optimization profiles (min/opt/max per
/// dynamic input): a NAME=SHAPE range is written into the model, a MIN:OPT:MAX range becomes a profile, and a dynamic
/// dim with no range is refused, since neither ORT's TensorRT EP nor trtexec can then pick sizes the user meant.
/// </summary>
internal static class ShapeProfiles
{
    /// <summary>Refuses the first model input with a dim no range covers, naming the input and the dim.</summary>
    /// <exception cref="UsageException">An input has a symbolic or unknown dim and no <c>--shape-range</c>.</exception>
    public static void RequireRanges(Model model, IReadOnlyList<ShapeRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ranges);
        foreach (var input in model.Graph.Inputs.Where(v => !v.IsInitializer))
        {
            if (ranges.Any(r => r.Input == input.Name) || input.Type is not TensorType { Shape: { } shape }) continue;
            for (var i = 0; i < shape.Rank; i++)
                if (shape[i].Value is null)
                {
                    var example = string.Join("x", Enumerable.Range(0, shape.Rank).Select(d => shape[d].Value ?? 1));
                    var wider = string.Join("x", Enumerable.Range(0, shape.Rank).Select(d => shape[d].Value ?? 8));
                    throw new UsageException(
                        $"input '{input.Name}' dim {i} ({(shape[i].Symbol is { } s ? $"'{s}'" : "unknown")}) is dynamic and TensorRT needs a size or an optimization profile for it: " +
                        $"pass --shape-range {input.Name}={example}:{example}:{wider} (MIN:OPT:MAX) or --shape-range {input.Name}={example} to fix it");
                }
        }
    }

    /// <summary>The ranges that are profiles (min ≠ max somewhere), in the model's input order.</summary>
    public static List<ShapeRange> Dynamic(Model model, IReadOnlyList<ShapeRange> ranges) =>
        model.Graph.Inputs.Select(v => ranges.FirstOrDefault(r => r.Input == v.Name)).OfType<ShapeRange>().Where(r => !r.IsStatic).ToList();

    /// <summary>Writes the NAME=SHAPE ranges into the model's inputs (TensorRT then builds a static engine for them).</summary>
    public static void FixStatic(Model model, IReadOnlyList<ShapeRange> ranges)
    {
        var fixedShapes = ranges.Where(r => r.IsStatic).ToDictionary(r => r.Input, r => r.Opt.ToArray(), StringComparer.Ordinal);
        if (fixedShapes.Count > 0) new PassManager([new FixInputShapes(fixedShapes)], maxIterations: 1).Run(model);
    }

    /// <summary>ORT's <c>trt_profile_min_shapes</c> (and opt, max) form: <c>input1:1x3x224x224,input2:1x8</c>.</summary>
    public static string OrtShapes(IEnumerable<ShapeRange> ranges, Func<ShapeRange, IReadOnlyList<long>> shape) =>
        string.Join(",", ranges.Select(r => $"{r.Input}:{ShapeRange.Format(shape(r))}"));

    /// <summary>trtexec's <c>--minShapes</c> (and opt, max) value; names with ':' or ',' are quoted as trtexec asks (<c>'input:0':1x3</c>).</summary>
    public static string TrtexecShapes(IEnumerable<ShapeRange> ranges, Func<ShapeRange, IReadOnlyList<long>> shape) =>
        string.Join(",", ranges.Select(r => $"{(r.Input.IndexOfAny([':', ',']) >= 0 ? $"'{r.Input}'" : r.Input)}:{ShapeRange.Format(shape(r))}"));
}
