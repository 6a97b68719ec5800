namespace EdgeOpt.Onnx.Inference;

/// <summary>Einsum with an explicit or implicit output; ellipses broadcast.</summary>
internal static class EinsumInference
{
    public static void Einsum(InferenceContext ctx)
    {
        var equation = (ctx.String("equation") ?? throw new InferenceFailure("equation is missing")).Replace(" ", "", StringComparison.Ordinal);
        var arrow = equation.IndexOf("->", StringComparison.Ordinal);
        var terms = (arrow >= 0 ? equation[..arrow] : equation).Split(',');
        if (terms.Length != ctx.InputCount) throw new InferenceFailure($"equation has {terms.Length} operands but the node has {ctx.InputCount} inputs");
        var letters = new Dictionary<char, Dim>();
        var counts = new Dictionary<char, int>();
        var ellipsis = new List<TensorShape>();
        for (var i = 0; i < terms.Length; i++)
        {
            var shape = ctx.Shape(i);
            var term = terms[i];
            var dots = term.IndexOf("...", StringComparison.Ordinal);
            var named = term.Replace("...", "", StringComparison.Ordinal);
            var ellipsisRank = shape.Rank - named.Length;
            if (ellipsisRank < 0 || (dots < 0 && ellipsisRank != 0)) throw new InferenceFailure($"term '{term}' does not match input shape {shape}");
            var d = 0;
            for (var c = 0; c < term.Length; c++)
            {
                if (c == dots)
                {
                    ellipsis.Add(new TensorShape(shape.Skip(d).Take(ellipsisRank)));
                    d += ellipsisRank;
                    c += 2;
                    continue;
                }
                var letter = term[c];
                letters[letter] = letters.TryGetValue(letter, out var prev) ? DimMath.Broadcast(prev, shape[d]) : shape[d];
                counts[letter] = counts.GetValueOrDefault(letter) + 1;
                d++;
            }
        }
        var broadcast = ellipsis.Count > 0 ? DimMath.Broadcast(ellipsis) : new TensorShape();
        // Implicit output: the ellipsis, then letters that appear once, in alphabetical order.
        var output = arrow >= 0 ? equation[(arrow + 2)..] : "..." + new string(counts.Where(kv => kv.Value == 1).Select(kv => kv.Key).Order().ToArray());
        var dims = new List<Dim>();
        for (var c = 0; c < output.Length; c++)
        {
            if (output[c] == '.')
            {
                dims.AddRange(broadcast);
                c += 2;
                continue;
            }
            dims.Add(letters.TryGetValue(output[c], out var dim) ? dim : throw new InferenceFailure($"output letter '{output[c]}' is not in any input"));
        }
        ctx.SetOutput(0, ctx.ElementType(0), dims);
    }
}
