using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Tests.Transformer;

namespace EdgeOpt.Tests.Onnx;

/// <summary>
/// <see cref="GraphInvariants"/>: real models (a CNN, control flow with If and Loop subgraphs, a transformer) keep
/// every rule as loaded and after the full optimizer; each kind of broken graph is found and named.
/// </summary>
public class GraphInvariantsTests
{
    public static TheoryData<string> RealModels => new() { "resnet18", "silero-legacy", "silero-v5", "minilm" };

    private static string PathOf(string name) => name switch
    {
        "resnet18" => Fixtures.ResNet18,
        "silero-legacy" => Fixtures.SileroVadLegacy,
        "silero-v5" => Fixtures.SileroVadV5,
        "minilm" => MiniLm.ModelPath,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Theory]
    [MemberData(nameof(RealModels))]
    public void Real_models_keep_every_invariant_as_loaded_and_after_optimization(string name)
    {
        using var model = Model.Load(PathOf(name));

        Assert.Empty(GraphInvariants.Find(model));

        ModelOptimizer.Optimize(model, new OptimizationOptions());
        Assert.Empty(GraphInvariants.Find(model));
        // remove-unused-initializers ran last: nothing is left unused either.
        Assert.Empty(GraphInvariants.Find(model, allowUnusedInitializers: false));
    }

    [Fact]
    public void Silero_v5_has_subgraphs_that_read_outer_values()
    {
        // The control-flow model exercises the outer-scope rules: its If branches capture main-graph values.
        using var model = Model.Load(Fixtures.SileroVadV5);

        var captured = model.Graph.AllGraphs().Where(g => g.ParentNode is not null).SelectMany(g => g.CapturedValues()).ToList();

        Assert.NotEmpty(captured);
        Assert.Empty(GraphInvariants.Find(model));
    }

    [Fact]
    public void A_node_before_its_producer_breaks_topological_order()
    {
        using var model = Chain();
        var first = model.Graph.Nodes[0];
        model.Graph.DetachNode(first);
        model.Graph.AddNode(first);

        var problem = Assert.Single(GraphInvariants.Find(model));

        Assert.Contains("reads 'a' before its producer", problem, StringComparison.Ordinal);
        Assert.Contains("not in topological order", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_nothing_defines_is_reported()
    {
        using var model = Chain();
        model.Graph.Nodes[1].SetInput(0, new Value("ghost"));

        var problems = GraphInvariants.Find(model);

        Assert.Contains(problems, p => p.Contains("reads 'ghost', which no graph input, initializer or node output defines", StringComparison.Ordinal));
    }

    [Fact]
    public void Reading_the_output_of_a_removed_node_is_reported()
    {
        using var model = Chain();
        model.Graph.RemoveNode(model.Graph.Nodes[0], force: true);

        var problems = GraphInvariants.Find(model);

        Assert.Contains(problems, p => p.Contains("reads 'a', whose producer", StringComparison.Ordinal) && p.Contains("was removed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_graph_output_without_a_producer_is_reported()
    {
        using var model = Chain();
        model.Graph.RemoveNode(model.Graph.Nodes[1], force: true);

        var problem = Assert.Single(GraphInvariants.Find(model));

        Assert.Contains("graph output 'y' is defined by no graph input, initializer or node in scope", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_values_with_one_name_are_reported()
    {
        using var model = Chain();
        model.Graph.Nodes[1].Outputs[0].Name = "a";

        Assert.Contains(GraphInvariants.Find(model), p => p.Contains("two values are named 'a'", StringComparison.Ordinal));
    }

    [Fact]
    public void A_subgraph_reading_a_sibling_branch_is_an_invalid_outer_scope_reference()
    {
        using var model = Model.Load(Fixtures.SileroVadV5);
        var ifNode = model.Graph.AllNodes().First(n => n.OpType == "If" && n.Subgraphs.All(g => g.Nodes.Count > 0));
        var then = ifNode.Attributes["then_branch"]!.AsGraph();
        var otherwise = ifNode.Attributes["else_branch"]!.AsGraph();
        var foreign = otherwise.Nodes.SelectMany(n => n.Outputs).First();
        var reader = then.Nodes.First(n => n.Inputs.Count > 0);

        reader.SetInput(0, foreign);

        Assert.Contains(GraphInvariants.Find(model), p =>
            p.Contains($"reads '{foreign.Name}' from graph '{otherwise.Name}'", StringComparison.Ordinal)
            && p.Contains("invalid outer-scope reference", StringComparison.Ordinal));
    }

    [Fact]
    public void A_subgraph_redefining_an_outer_name_is_reported()
    {
        using var model = Model.Load(Fixtures.SileroVadV5);
        var subgraph = model.Graph.AllGraphs().First(g => g.ParentNode is not null && g.Nodes.Count > 0);
        var outerName = model.Graph.Inputs[0].Name;

        subgraph.Nodes[0].Outputs[0].Name = outerName;

        Assert.Contains(GraphInvariants.Find(model), p => p.Contains($"'{outerName}' redefines a name of an enclosing graph", StringComparison.Ordinal));
    }

    [Fact]
    public void Unused_initializers_are_allowed_unless_asked()
    {
        using var model = Chain();
        model.Graph.Initializers.Add(Tensor.Create("unused", new[] { 1f, 2f }, 2));

        Assert.Empty(GraphInvariants.Find(model));
        var problem = Assert.Single(GraphInvariants.Find(model, allowUnusedInitializers: false));
        Assert.Contains("initializer 'unused' is unused", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_use_list_that_disagrees_with_the_node_is_reported()
    {
        using var model = Chain();
        var relu = model.Graph.Nodes[1];
        var a = relu.Inputs[0]!;
        a.RemoveUse(relu, 0); // the node still reads 'a', but 'a' no longer lists it

        Assert.Contains(GraphInvariants.Find(model), p => p.Contains("'a' is read by 1 node input but lists 0 uses", StringComparison.Ordinal));
    }

    /// <summary>x[4] → Neg → a → Relu → y.</summary>
    private static Model Chain()
    {
        var b = new GraphBuilder("chain");
        var x = b.Input("x", DataType.Float, 4);
        var a = b.AddNode("Neg", [x], name: "neg", outputNames: ["a"]).Outputs[0];
        b.Output(b.AddNode("Relu", [a], name: "relu").Outputs[0], "y");
        return b.Build();
    }
}
