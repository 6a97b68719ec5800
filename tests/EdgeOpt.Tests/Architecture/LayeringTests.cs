using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.ArchitectureChecks;

/// <summary>
/// Dependencies between the library's namespaces flow one way (docs/architecture.md, "Layering"). Read from the compiled
/// EdgeOpt.dll, so every kind of use counts: signatures, bodies, lambdas and nested types.
/// </summary>
public class LayeringTests
{
    private const string Root = "EdgeOpt";
    private const string OnnxRuntime = "Microsoft.ML.OnnxRuntime";

    /// <summary>
    /// Which layers each layer may use (besides itself), bottom first. A layer is <c>EdgeOpt.X</c> with all its
    /// sub-namespaces (<c>EdgeOpt.X.Internal</c>, <c>EdgeOpt.X.Serialization</c>, ...). The same table is drawn in
    /// docs/architecture.md.
    /// </summary>
    internal static readonly (string Layer, string[] Uses)[] Table =
    [
        (Root, []),
        ("EdgeOpt.Onnx", [Root]),
        ("EdgeOpt.Data", [Root, "EdgeOpt.Onnx"]),
        ("EdgeOpt.Runtime", [Root, "EdgeOpt.Onnx", "EdgeOpt.Data"]),
        ("EdgeOpt.Devices", [Root, "EdgeOpt.Onnx", "EdgeOpt.Runtime"]),
        ("EdgeOpt.Passes", [Root, "EdgeOpt.Onnx", "EdgeOpt.Data", "EdgeOpt.Runtime"]),
        ("EdgeOpt.Analysis", [Root, "EdgeOpt.Onnx", "EdgeOpt.Data", "EdgeOpt.Runtime", "EdgeOpt.Devices", "EdgeOpt.Passes"]),
        ("EdgeOpt.Quantization", [Root, "EdgeOpt.Onnx", "EdgeOpt.Data", "EdgeOpt.Runtime", "EdgeOpt.Passes"]),
        ("EdgeOpt.Progressive", [Root, "EdgeOpt.Onnx", "EdgeOpt.Data", "EdgeOpt.Runtime", "EdgeOpt.Passes"]),
        ("EdgeOpt.Web", [Root, "EdgeOpt.Onnx", "EdgeOpt.Data", "EdgeOpt.Runtime", "EdgeOpt.Passes", "EdgeOpt.Progressive"]),
        ("EdgeOpt.Pruning", [Root, "EdgeOpt.Onnx", "EdgeOpt.Data", "EdgeOpt.Runtime", "EdgeOpt.Devices", "EdgeOpt.Passes", "EdgeOpt.Analysis"]),
        ("EdgeOpt.Power", [Root, "EdgeOpt.Onnx", "EdgeOpt.Data", "EdgeOpt.Runtime", "EdgeOpt.Devices", "EdgeOpt.Analysis"]),
        ("EdgeOpt.Targets", [Root, "EdgeOpt.Onnx", "EdgeOpt.Data", "EdgeOpt.Runtime", "EdgeOpt.Devices", "EdgeOpt.Passes",
            "EdgeOpt.Analysis", "EdgeOpt.Quantization", "EdgeOpt.Progressive", "EdgeOpt.Web", "EdgeOpt.Power"]),
        ("EdgeOpt.Deployment", [Root, "EdgeOpt.Onnx", "EdgeOpt.Data", "EdgeOpt.Runtime", "EdgeOpt.Devices", "EdgeOpt.Passes",
            "EdgeOpt.Analysis", "EdgeOpt.Quantization", "EdgeOpt.Progressive", "EdgeOpt.Web", "EdgeOpt.Pruning", "EdgeOpt.Power", "EdgeOpt.Targets"]),
    ];

    private static readonly Dictionary<string, string[]> Allowed = Table.ToDictionary(t => t.Layer, t => t.Uses, StringComparer.Ordinal);

    private static readonly Lazy<IReadOnlyList<TypeReference>> References =
        new(() => TypeReferenceReader.Read(typeof(Model).Assembly.Location));

    /// <summary>The layer of a namespace: <c>EdgeOpt</c> or <c>EdgeOpt.X</c>; null outside the library (System, ORT, generated code).</summary>
    internal static string? LayerOf(string ns)
    {
        if (ns == Root) return Root;
        if (!ns.StartsWith(Root + ".", StringComparison.Ordinal)) return null;
        var second = ns.IndexOf('.', Root.Length + 1);
        return second < 0 ? ns : ns[..second];
    }

    /// <summary>Layer → used layer → one reference that makes the edge (the first met).</summary>
    private static Dictionary<string, Dictionary<string, TypeReference>> Edges()
    {
        var edges = new Dictionary<string, Dictionary<string, TypeReference>>(StringComparer.Ordinal);
        foreach (var r in References.Value)
        {
            if (LayerOf(r.FromNamespace) is not { } from || LayerOf(r.ToNamespace) is not { } to || from == to) continue;
            if (!edges.TryGetValue(from, out var targets)) edges[from] = targets = new(StringComparer.Ordinal);
            targets.TryAdd(to, r);
        }
        return edges;
    }

    private static string Describe(TypeReference r) => $"{r.FromType} → {r.ToType} ({r.Via})";

    [Fact]
    public void The_reader_finds_known_edges_so_the_checks_cannot_pass_vacuously()
    {
        var edges = Edges();
        // Each known from the source: ModelEvaluator takes a Model, Quantizer calibrates in ORT sessions, sample
        // sources build Tensors, FoldConstants evaluates nodes with NodeEvaluator (only inside a method body).
        Assert.Contains("EdgeOpt.Onnx", edges["EdgeOpt.Runtime"].Keys);
        Assert.Contains("EdgeOpt.Runtime", edges["EdgeOpt.Quantization"].Keys);
        Assert.Contains("EdgeOpt.Onnx", edges["EdgeOpt.Data"].Keys);
        Assert.Contains("EdgeOpt.Runtime", edges["EdgeOpt.Passes"].Keys);
        Assert.Contains(References.Value, r => r.FromType == "EdgeOpt.Passes.FoldConstants" && r.ToType == "EdgeOpt.Runtime.NodeEvaluator"
            && r.Via.StartsWith("body of ", StringComparison.Ordinal));
        // A lambda's closure class is nested in its type, so it counts as that type.
        Assert.DoesNotContain(References.Value, r => LayerOf(r.FromNamespace) is not null && r.FromType.Contains('<', StringComparison.Ordinal));
        // ONNX Runtime types are seen too (the Onnx check below looks for them).
        Assert.Contains(References.Value, r => r.FromNamespace == "EdgeOpt.Runtime" && r.ToNamespace.StartsWith(OnnxRuntime, StringComparison.Ordinal));
    }

    [Fact]
    public void No_cycle_between_EdgeOpt_namespaces()
    {
        var edges = Edges();
        var cycle = FindCycle(edges.ToDictionary(e => e.Key, e => (IEnumerable<string>)e.Value.Keys, StringComparer.Ordinal));
        if (cycle is null) return;
        var steps = cycle.Zip(cycle.Skip(1), (a, b) => $"  {a} → {b}: {Describe(edges[a][b])}");
        Assert.Fail($"namespace cycle {string.Join(" → ", cycle)}:\n{string.Join("\n", steps)}");
    }

    [Fact]
    public void The_cycle_search_finds_a_cycle_and_names_it_in_order()
    {
        var graph = new Dictionary<string, IEnumerable<string>>(StringComparer.Ordinal)
        {
            ["A"] = ["B"],
            ["B"] = ["C", "D"],
            ["D"] = ["B"],
        };
        Assert.Equal(["B", "D", "B"], FindCycle(graph));
        graph["D"] = ["C"];
        Assert.Null(FindCycle(graph));
    }

    /// <summary>A cycle as the layers along it, first repeated at the end; null when there is none (depth-first, names in order).</summary>
    private static List<string>? FindCycle(IReadOnlyDictionary<string, IEnumerable<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on the path, 2 = done
        var path = new List<string>();
        foreach (var layer in graph.Keys.Order(StringComparer.Ordinal))
            if (Visit(layer) is { } cycle) return cycle;
        return null;

        List<string>? Visit(string layer)
        {
            if (state.GetValueOrDefault(layer) == 2) return null;
            if (state.GetValueOrDefault(layer) == 1) return [.. path.Skip(path.IndexOf(layer)), layer];
            state[layer] = 1;
            path.Add(layer);
            foreach (var next in graph.GetValueOrDefault(layer)?.Order(StringComparer.Ordinal) ?? Enumerable.Empty<string>())
                if (Visit(next) is { } found) return found;
            path.RemoveAt(path.Count - 1);
            state[layer] = 2;
            return null;
        }
    }

    [Theory]
    [InlineData("EdgeOpt.Onnx")]
    [InlineData("EdgeOpt.Data")]
    [InlineData(Root)]
    public void The_layers_below_Runtime_never_touch_ONNX_Runtime(string layer)
    {
        var uses = References.Value
            .Where(r => LayerOf(r.FromNamespace) == layer && (r.ToNamespace == OnnxRuntime || r.ToNamespace.StartsWith(OnnxRuntime + ".", StringComparison.Ordinal)))
            .Select(Describe).Distinct().Take(10).ToList();
        Assert.True(uses.Count == 0, $"{layer} uses ONNX Runtime:\n" + string.Join("\n", uses));
    }

    [Fact]
    public void Every_dependency_is_in_the_allowed_table()
    {
        var problems = new List<string>();
        foreach (var (from, targets) in Edges().OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!Allowed.TryGetValue(from, out var allowed))
            {
                problems.Add($"namespace layer {from} is not in LayeringTests.Allowed (nor in docs/architecture.md); place it there");
                continue;
            }
            foreach (var (to, example) in targets.OrderBy(t => t.Key, StringComparer.Ordinal))
                if (!allowed.Contains(to)) problems.Add($"{from} may not use {to}: {Describe(example)}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_allowed_table_itself_has_no_cycle_and_the_root_is_the_bottom()
    {
        Assert.Empty(Allowed[Root]);
        // Listed bottom first: every layer may use only layers listed before it.
        var order = Table.Select(t => t.Layer).ToList();
        foreach (var (layer, uses) in Table)
            foreach (var used in uses)
                Assert.True(order.IndexOf(used) >= 0 && order.IndexOf(used) < order.IndexOf(layer), $"{layer} → {used} is not downward in the table");
    }
}
