using System.Globalization;
using EdgeOpt.Onnx;

namespace EdgeOpt.Passes;

/// <summary>
/// Specialises main-graph inputs to constants given as text by input name (<see cref="OptimizationOptions.Bindings"/>; e.g. Silero VAD's
/// sample rate <c>sr=16000</c>), so folding and <see cref="InlineConstantIf"/> can remove what depends on them.
/// Rule: each named input must exist and be a tensor of a numeric or bool type with a declared shape; the text is a
/// comma-separated list of values parsed as that element type (integers must fit it, bool is true/false/1/0), and
/// the count must fill the shape: a scalar takes one value, a dim of unknown size takes what the others leave. The
/// input is removed from the graph's inputs and becomes an initializer of the same name, so every reader (subgraph
/// captures included) now reads the constant. A request that does not fit the model throws
/// <see cref="UsageException"/> before anything is changed. Runs once, first; a no-op when nothing is bound.
/// Rewrites count the inputs bound.
/// </summary>
public sealed class BindInputs(IReadOnlyDictionary<string, string> bindings) : IGraphPass
{
    private readonly IReadOnlyDictionary<string, string> _bindings = bindings ?? throw new ArgumentNullException(nameof(bindings));

    public string Name => "bind-inputs";
    public string Description => "Replace the inputs given by --bind with constants (then folding and If inlining specialise the graph)";
    public PassLevel Level => PassLevel.Basic;
    public bool RunsOnce => true;

    /// <summary>The values to bind, as text, by input name.</summary>
    public IReadOnlyDictionary<string, string> Bindings => _bindings;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(context);
        var bindings = _bindings;
        if (bindings.Count == 0) return PassResult.Unchanged;
        var graph = model.Graph;

        // Parse everything first, so a bad request leaves the model untouched.
        var constants = new List<(Value Input, Tensor Tensor)>();
        foreach (var (name, text) in bindings)
        {
            var input = graph.Inputs.FirstOrDefault(v => v.Name == name)
                ?? throw new UsageException($"--bind names input '{name}', but the model's inputs are: {string.Join(", ", graph.Inputs.Where(v => !v.IsInitializer).Select(v => $"'{v.Name}'"))}");
            constants.Add((input, Constant(input, text)));
        }
        foreach (var (input, tensor) in constants)
        {
            graph.Inputs.Remove(input);
            // An IR < 4 input with a default initializer: the bound value replaces the default.
            if (input.IsInitializer) graph.Initializers.Detach(input);
            input.Type = new TensorType(tensor.DataType, tensor.Shape);
            graph.Initializers.Attach(input, tensor);
        }
        return PassResult.Of(constants.Count);
    }

    /// <summary>The constant <paramref name="text"/> spells for <paramref name="input"/>, typed and shaped by its declaration.</summary>
    internal static Tensor Constant(Value input, string text)
    {
        var name = input.Name;
        var what = $"--bind {name}={text}";
        if (input.Type is not TensorType { ElementType: var type } tensorType)
            throw new UsageException($"{what}: input '{name}' is {input.Type?.ToString() ?? "untyped"}, not a tensor");
        if (tensorType.Shape is not { } shape)
            throw new UsageException($"{what}: input '{name}' declares no shape, so the constant's shape is unknown");
        if (OptimizationOptions.BindingProblem(name, text) is { } problem) throw new InvalidOptionsException([problem]);
        var items = text.Split(',', StringSplitOptions.TrimEntries);
        var dims = Dims(shape, items.Length, what, name);
        try
        {
            return type switch
            {
                DataType.Float => Tensor.Create(name, items.Select(i => (float)ParseReal(i)).ToArray(), dims),
                DataType.Double => Tensor.Create(name, items.Select(ParseReal).ToArray(), dims),
                DataType.Float16 => Tensor.Create(name, items.Select(i => (Half)ParseReal(i)).ToArray(), dims),
                DataType.Int8 => Tensor.Create(name, items.Select(i => checked((sbyte)ParseInteger(i))).ToArray(), dims),
                DataType.Int16 => Tensor.Create(name, items.Select(i => checked((short)ParseInteger(i))).ToArray(), dims),
                DataType.Int32 => Tensor.Create(name, items.Select(i => checked((int)ParseInteger(i))).ToArray(), dims),
                DataType.Int64 => Tensor.Create(name, items.Select(ParseInteger).ToArray(), dims),
                DataType.UInt8 => Tensor.Create(name, items.Select(i => checked((byte)ParseInteger(i))).ToArray(), dims),
                DataType.UInt16 => Tensor.Create(name, items.Select(i => checked((ushort)ParseInteger(i))).ToArray(), dims),
                DataType.UInt32 => Tensor.Create(name, items.Select(i => checked((uint)ParseInteger(i))).ToArray(), dims),
                DataType.UInt64 => Tensor.Create(name, items.Select(ParseUnsigned).ToArray(), dims),
                DataType.Bool => Tensor.Create(name, items.Select(ParseBool).ToArray(), dims),
                _ => throw new UsageException($"{what}: input '{name}' is {type.OnnxName()}; --bind takes numeric and bool inputs"),
            };
        }
        catch (FormatException e)
        {
            throw new UsageException($"{what}: {e.Message} for {type.OnnxName()} input '{name}'");
        }
        catch (OverflowException)
        {
            throw new UsageException($"{what}: a value is out of range for {type.OnnxName()} input '{name}'");
        }
    }

    /// <summary>The dims <paramref name="count"/> values fill: known dims as declared, at most one open dim taking the rest.</summary>
    private static long[] Dims(TensorShape shape, int count, string what, string name)
    {
        var open = Enumerable.Range(0, shape.Rank).Where(i => shape[i].Value is null).ToList();
        var known = shape.Where(d => d.Value is not null).Aggregate(1L, (a, d) => a * d.Value!.Value);
        var dims = shape.Select(d => d.Value ?? 1).ToArray();
        if (open.Count == 0 && known == count) return dims;
        if (open.Count == 1 && known > 0 && count % known == 0)
        {
            dims[open[0]] = count / known;
            return dims;
        }
        var expected = open.Count == 0 ? $"{known} value{(known == 1 ? "" : "s")}" : $"a multiple of {known} values";
        throw new UsageException($"{what}: input '{name}' has shape {shape}, which takes {expected}, not {count}");
    }

    private static double ParseReal(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"'{text}' is not a number");

    private static long ParseInteger(string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && !text.Contains('.') && !text.Contains('e', StringComparison.OrdinalIgnoreCase)
            ? throw new OverflowException()
            : throw new FormatException($"'{text}' is not an integer");

    private static ulong ParseUnsigned(string text) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
        : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? throw new OverflowException()
        : throw new FormatException($"'{text}' is not an integer");

    private static bool ParseBool(string text) => text.ToLowerInvariant() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new FormatException($"'{text}' is not true, false, 1 or 0"),
    };
}
