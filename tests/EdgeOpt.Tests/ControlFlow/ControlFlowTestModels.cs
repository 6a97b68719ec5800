using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.ControlFlow;

/// <summary>Small control-flow models built in code: Ifs on an input that <c>--bind</c> can make constant.</summary>
internal static class ControlFlowTestModels
{
    private static TensorType Float(params Dim[] dims) => new(DataType.Float, new TensorShape(dims));

    /// <summary>
    /// x float[N,4], mode int64 scalar; cond = Equal(mode, 1) drives three Ifs. The first two are siblings whose
    /// branches reuse the value name "t" (legal in separate scopes, a clash once both are inlined); the first then-branch
    /// holds its own weight; the third then-branch passes the captured outer value x through an Identity. Outputs: y = first + second,
    /// z = the second If's output, x_again = the third's.
    /// </summary>
    public static Model ModeSwitch()
    {
        var b = new GraphBuilder("mode_switch", opset: 17);
        var n = Dim.Symbolic("N");
        var x = b.Input("x", DataType.Float, n, 4);
        var mode = b.Input("mode", DataType.Int64);
        var cond = b.Op("Equal", [mode, b.Initializer(Tensor.Scalar("one", 1L))]);

        var then1 = Branch("then1", (g, t) =>
        {
            var weight = g.Initializers.Add(Tensor.Create("w_then", new[] { 0.5f, -1f, 2f, 3f }, 4));
            g.AddNode(new Node("Relu", [x], [t], name: "relu"));
            var scaled = new Value("scaled", Float(n, 4));
            g.AddNode(new Node("Mul", [t, weight], [scaled], name: "scale"));
            return scaled;
        });
        var else1 = Branch("else1", (g, t) =>
        {
            g.AddNode(new Node("Neg", [x], [t], name: "neg"));
            return t;
        });
        var first = b.AddNode("If", [cond], name: "if_first", attributes: [("then_branch", then1), ("else_branch", else1)]).Outputs[0];

        var then2 = Branch("then2", (g, t) =>
        {
            g.AddNode(new Node("Abs", [x], [t], name: "relu"));
            return t;
        });
        var else2 = Branch("else2", (g, t) =>
        {
            g.AddNode(new Node("Sigmoid", [x], [t], name: "neg"));
            return t;
        });
        var second = b.AddNode("If", [cond], name: "if_second", attributes: [("then_branch", then2), ("else_branch", else2)]).Outputs[0];

        // ORT wants an Identity between an outer value and a subgraph output.
        var then3 = Branch("then3", (g, t) =>
        {
            g.AddNode(new Node("Identity", [x], [t], name: "pass_x"));
            return t;
        });
        var else3 = Branch("else3", (g, t) =>
        {
            g.AddNode(new Node("Exp", [x], [t], name: "exp"));
            return t;
        });
        var third = b.AddNode("If", [cond], name: "if_third", attributes: [("then_branch", then3), ("else_branch", else3)]).Outputs[0];

        b.Output(b.Op("Add", [first, second]), "y", Float(n, 4));
        b.Output(second, "z", Float(n, 4));
        b.Output(third, "x_again", Float(n, 4));
        return b.Build();

        Graph Branch(string name, Func<Graph, Value, Value> body)
        {
            var g = new Graph(name);
            var t = new Value("t", Float(n, 4));
            g.Outputs.Add(body(g, t));
            return g;
        }
    }

    /// <summary>x float[N,3] times scale float[3], plus offset float[] (a scalar): inputs to bind as a list and as a scalar.</summary>
    public static Model ScaleAndOffset()
    {
        var b = new GraphBuilder("scale_offset", opset: 17);
        var n = Dim.Symbolic("N");
        var x = b.Input("x", DataType.Float, n, 3);
        var scale = b.Input("scale", DataType.Float, 3);
        var offset = b.Input("offset", DataType.Float);
        b.Output(b.Op("Add", [b.Op("Mul", [x, scale]), offset]), "y", Float(n, 3));
        return b.Build();
    }
}
