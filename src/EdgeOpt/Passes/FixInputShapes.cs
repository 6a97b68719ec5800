using System.Globalization;
using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>
/// Fixes graph input shapes to the sizes given by input name (<see cref="OptimizationOptions.FixedShapes"/>; mobile execution providers need
/// static shapes, and folding needs them to collapse shape subgraphs). Rule: every named input must exist, the rank
/// must match a known rank, and dims the model already knows must agree; symbolic and unknown dims take the given
/// sizes. Then dims of other values that carried a symbol now fixed are forgotten (the symbol no longer describes
/// them) unless another, unfixed input still declares that symbol, and shape inference runs again so those values
/// get the static sizes. A request that contradicts the model throws <see cref="UsageException"/> before anything is
/// changed. Runs once, first; a no-op when no shapes are given or they are already in place. Rewrites count the
/// inputs whose shape changed.
/// </summary>
public sealed class FixInputShapes(IReadOnlyDictionary<string, long[]> shapes) : IGraphPass
{
    private readonly IReadOnlyDictionary<string, long[]> _shapes = shapes ?? throw new ArgumentNullException(nameof(shapes));

    public string Name => "fix-input-shapes";
    public string Description => "Set the static input dims given by --fixed-shape, then re-infer shapes";
    public PassLevel Level => PassLevel.Basic;
    public bool RunsOnce => true;

    /// <summary>The dims to set, by input name.</summary>
    public IReadOnlyDictionary<string, long[]> Shapes => _shapes;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var fixedShapes = _shapes;
        if (fixedShapes.Count == 0) return PassResult.Unchanged;
        var graph = model.Graph;

        // Validate everything first, so a bad request leaves the model untouched.
        var updates = new List<(Value Input, TensorType Type)>();
        foreach (var (name, dims) in fixedShapes)
        {
            var input = graph.Inputs.FirstOrDefault(v => v.Name == name)
                ?? throw new UsageException($"--fixed-shape names input '{name}', but the model's inputs are: {string.Join(", ", graph.Inputs.Where(v => !v.IsInitializer).Select(v => $"'{v.Name}'"))}");
            var type = Validate(input, dims);
            if (!Equals(type, input.Type)) updates.Add((input, type));
        }
        if (updates.Count == 0) return PassResult.Unchanged;

        var fixedSymbols = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (input, type) in updates)
        {
            if (input.Type is TensorType { Shape: { } old })
                foreach (var d in old) if (d.Symbol is { } s) fixedSymbols.Add(s);
            input.Type = type;
        }
        // A symbol still declared by an input left symbolic keeps its meaning.
        foreach (var input in graph.Inputs)
            if (input.Type is TensorType { Shape: { } s })
                foreach (var d in s) if (d.Symbol is { } sym) fixedSymbols.Remove(sym);
        if (fixedSymbols.Count > 0) ForgetSymbols(model, fixedSymbols);
        ShapeInference.Infer(model);
        return PassResult.Of(updates.Count);
    }

    private static TensorType Validate(Value input, long[] dims)
    {
        var given = string.Join("x", dims.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        if (input.Type is not TensorType tensorType)
            throw new UsageException($"--fixed-shape {input.Name}={given}: input '{input.Name}' is {input.Type?.ToString() ?? "untyped"}, not a tensor");
        if (OptimizationOptions.FixedShapeProblem(input.Name, dims) is { } problem) throw new InvalidOptionsException([problem]);
        if (tensorType.Shape is not { } shape)
            return tensorType with { Shape = TensorShape.FromDims(dims) };
        if (shape.Rank != dims.Length)
            throw new UsageException($"--fixed-shape {input.Name}={given} has {dims.Length} dims, but input '{input.Name}' has rank {shape.Rank} (shape {shape})");
        for (var i = 0; i < dims.Length; i++)
            if (shape[i].Value is { } known && known != dims[i])
                throw new UsageException($"--fixed-shape {input.Name}={given} contradicts the model: dim {i} of input '{input.Name}' is {known}, not {dims[i]}");
        // Keep denotations; everything else becomes the given size.
        return tensorType with { Shape = new TensorShape(shape.Select((d, i) => Dim.Of(dims[i]) with { Denotation = d.Denotation })) };
    }

    /// <summary>Turns dims carrying a fixed symbol into unknown dims on every value but the graph inputs.</summary>
    private static void ForgetSymbols(Model model, HashSet<string> symbols)
    {
        foreach (var graph in model.Graph.AllGraphs())
        {
            var inputs = graph.Inputs.ToHashSet();
            foreach (var value in graph.Nodes.SelectMany(n => n.Outputs).Concat(graph.Outputs))
            {
                if (inputs.Contains(value) || value.Type is not TensorType { Shape: { } shape } t) continue;
                if (!shape.Any(d => d.Symbol is { } s && symbols.Contains(s))) continue;
                value.Type = t with { Shape = new TensorShape(shape.Select(d => d.Symbol is { } s && symbols.Contains(s) ? Dim.Unknown with { Denotation = d.Denotation } : d)) };
            }
        }
    }
}
