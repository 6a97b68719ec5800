using System.Globalization;
using EdgeOpt.Onnx;

namespace EdgeOpt.Targets;

/// <summary>
/// The shapes one model input takes at run time, as TensorRT optimization profiles want them: the smallest, the one to
/// tune for and the largest (trtexec's <c>--minShapes/--optShapes/--maxShapes</c>, ORT's <c>trt_profile_*_shapes</c>).
/// </summary>
/// <param name="Input">The model input's name.</param>
/// <param name="Min">Smallest shape.</param>
/// <param name="Opt">The shape TensorRT picks kernels for.</param>
/// <param name="Max">Largest shape.</param>
public sealed record ShapeRange(string Input, IReadOnlyList<long> Min, IReadOnlyList<long> Opt, IReadOnlyList<long> Max)
{
    /// <summary>Whether min, opt and max are the same shape.</summary>
    public bool IsStatic => Min.SequenceEqual(Opt) && Opt.SequenceEqual(Max);

    /// <summary>
    /// Parses <c>name=min:opt:max</c> with each shape written <c>1x3x224x224</c>, or <c>name=shape</c> for one fixed shape.
    /// </summary>
    /// <exception cref="UsageException">The text does not have that form; the message quotes it.</exception>
    public static ShapeRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.LastIndexOf('=');
        if (equals <= 0 || equals == text.Length - 1)
            throw new UsageException($"shape range '{text}': expected NAME=MIN:OPT:MAX (each shape like 1x3x224x224) or NAME=SHAPE");
        var name = text[..equals].Trim();
        var parts = text[(equals + 1)..].Split(':');
        if (parts.Length is not (1 or 3))
            throw new UsageException($"shape range '{text}': expected three shapes MIN:OPT:MAX or one, found {parts.Length}");
        var shapes = parts.Select(p => ParseShape(text, p)).ToArray();
        return parts.Length == 1 ? new ShapeRange(name, shapes[0], shapes[0], shapes[0]) : new ShapeRange(name, shapes[0], shapes[1], shapes[2]);
    }

    /// <summary>The range as <see cref="Parse"/> reads it.</summary>
    public override string ToString() => $"{Input}={Format(Min)}:{Format(Opt)}:{Format(Max)}";

    /// <summary>A shape written the TensorRT way: <c>1x3x224x224</c>.</summary>
    public static string Format(IReadOnlyList<long> shape) => string.Join("x", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    /// <summary>
    /// Problems fitting this range to <paramref name="model"/>'s inputs: an unknown input, a rank that differs, a fixed
    /// dim the range changes, min &gt; opt &gt; max. Each names the input and the dim.
    /// </summary>
    public IEnumerable<string> Check(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var input = model.Graph.Inputs.FirstOrDefault(v => v.Name == Input && v.Initializer is null);
        if (input is null)
        {
            yield return $"shape range for '{Input}': the model has no such input (inputs: {string.Join(", ", model.Graph.Inputs.Where(v => v.Initializer is null).Select(v => v.Name))})";
            yield break;
        }
        if (Min.Count != Opt.Count || Opt.Count != Max.Count)
        {
            yield return $"shape range for '{Input}': min, opt and max have different ranks ({Min.Count}, {Opt.Count}, {Max.Count})";
            yield break;
        }
        if (input.Type is TensorType { Shape: { } shape })
        {
            if (shape.Rank != Min.Count)
            {
                yield return $"shape range for '{Input}': the input has rank {shape.Rank} ({shape}), the range gives {Min.Count} dims";
                yield break;
            }
            for (var i = 0; i < shape.Rank; i++)
                if (shape[i].Value is { } fixedDim && (Min[i] != fixedDim || Opt[i] != fixedDim || Max[i] != fixedDim))
                    yield return $"shape range for '{Input}': dim {i} is fixed at {fixedDim} in the model, the range gives {Min[i]}:{Opt[i]}:{Max[i]}";
        }
        for (var i = 0; i < Min.Count; i++)
            if (Min[i] > Opt[i] || Opt[i] > Max[i])
                yield return $"shape range for '{Input}': dim {i} must satisfy min <= opt <= max, got {Min[i]}:{Opt[i]}:{Max[i]}";
    }

    private static long[] ParseShape(string text, string shape)
    {
        var dims = shape.Trim().Split('x', 'X', ',');
        var result = new long[dims.Length];
        for (var i = 0; i < dims.Length; i++)
            if (!long.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out result[i]) || result[i] < 1)
                throw new UsageException($"shape range '{text}': '{shape}' is not a shape of positive dims like 1x3x224x224");
        return result;
    }
}
