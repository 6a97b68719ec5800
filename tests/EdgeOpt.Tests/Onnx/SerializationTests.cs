using System.Text;
using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Serialization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Tests.Onnx;

public class SerializationTests
{
    public static TheoryData<DataType, int> ExoticTypes => new()
    {
        { DataType.BFloat16, 2 * 3 * 2 },
        { DataType.Float8E4M3FN, 6 },
        { DataType.Float8E5M2FNUZ, 6 },
        { DataType.Int4, 3 },
        { DataType.UInt4, 3 },
        { DataType.Float4E2M1, 3 },
        { DataType.Complex128, 6 * 16 },
    };

    [Theory]
    [MemberData(nameof(ExoticTypes))]
    public void Exotic_element_types_pass_through_unchanged(DataType type, int bytes)
    {
        var payload = Enumerable.Range(0, bytes).Select(i => (byte)(i * 37 + 11)).ToArray();
        var b = new GraphBuilder();
        var t = b.Initializer(Tensor.FromRaw("t", type, [2, 3], payload));
        b.Output(b.Op("Identity", [t]), "out");
        using var model = b.Build();

        using var back = Model.Parse(model.ToBytes());

        var tensor = back.Graph.Initializers[0].Initializer!;
        Assert.Equal(type, tensor.DataType);
        Assert.Equal([2L, 3L], tensor.Dims);
        Assert.Equal(payload, tensor.RawBytes.ToArray());
    }

    [Fact]
    public void String_sparse_metadata_and_doc_strings_round_trip()
    {
        var b = new GraphBuilder();
        b.DocString = "model doc";
        var s = b.Initializer(Tensor.FromStrings("labels", [3], ["cat", "dog", "ünïcode"]));
        var values = Tensor.Create("sp", new float[] { 1.5f, -2f }, 2);
        var indices = Tensor.Create("sp_idx", new long[] { 1, 7 }, 2);
        b.Graph.Initializers.AddSparse(new SparseTensor(values, indices, [3, 4]));
        b.Output(b.Op("Identity", [s]), "out");
        using var model = b.Build();
        model.MetadataProps.Add(new("author", "edgeopt"));
        model.Graph.Nodes[0].DocString = "node doc";
        model.Graph.Nodes[0].MetadataProps.Add(new("k", "v"));

        using var back = Model.Parse(model.ToBytes());

        Assert.Equal("model doc", back.DocString);
        Assert.Equal("edgeopt", back.MetadataProps.Single(p => p.Key == "author").Value);
        Assert.Equal("node doc", back.Graph.Nodes[0].DocString);
        Assert.Equal("v", back.Graph.Nodes[0].MetadataProps.Single().Value);
        Assert.Equal(["cat", "dog", "ünïcode"], back.Graph.Initializers[0].Initializer!.Strings.Select(x => Encoding.UTF8.GetString(x)));
        var sparse = back.Graph.Initializers.Single(v => v.SparseInitializer is not null).SparseInitializer!;
        Assert.Equal([3L, 4L], sparse.Dims);
        Assert.Equal([1.5f, -2f], sparse.Values.ToArray<float>());
        Assert.Equal([1L, 7L], sparse.Indices.ToArray<long>());
        Assert.Equal(model.ToBytes(), back.ToBytes());
    }

    [Fact]
    public void If_subgraphs_capturing_outer_values_survive_and_run()
    {
        var b = new GraphBuilder(opset: 17);
        var cond = b.Input("cond", DataType.Bool);
        var x = b.Input("x", DataType.Float, 2);
        var doubled = b.Op("Add", [x, x]);
        var thenGraph = new Graph("then");
        var thenOut = new Value("then_out", new TensorType(DataType.Float, new TensorShape(2)));
        thenGraph.AddNode(new Node("Identity", [doubled], [thenOut]));
        thenGraph.Outputs.Add(thenOut);
        var elseGraph = new Graph("else");
        var elseOut = new Value("else_out", new TensorType(DataType.Float, new TensorShape(2)));
        elseGraph.AddNode(new Node("Neg", [x], [elseOut]));
        elseGraph.Outputs.Add(elseOut);
        var y = b.AddNode("If", [cond], attributes: [("then_branch", thenGraph), ("else_branch", elseGraph)]).Outputs[0];
        b.Output(y, "y", new TensorType(DataType.Float, new TensorShape(2)));
        using var model = b.Build();

        using var back = Model.Parse(model.ToBytes());
        var reloadedThen = back.Graph.Nodes.Single(n => n.OpType == "If").Attributes["then_branch"]!.AsGraph();
        Assert.Same(back.Graph.Nodes.Single(n => n.OpType == "Add").Outputs[0], reloadedThen.Nodes[0].Inputs[0]);

        using var session = new InferenceSession(back.ToBytes());
        float[] Run(bool c)
        {
            using var r = session.Run([
                NamedOnnxValue.CreateFromTensor("cond", new DenseTensor<bool>(new[] { c }, [])),
                NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(new[] { 1f, -3f }, [2])),
            ]);
            return r.First().AsEnumerable<float>().ToArray();
        }
        Assert.Equal([2f, -6f], Run(true));
        Assert.Equal([-1f, 3f], Run(false));
    }

    /// <summary>A local function <c>custom.math.Square(x) = x * x</c> over opset 17, for models that call it.</summary>
    internal static OnnxFunction SquareFunction()
    {
        var body = new Graph("Square");
        var fx = new Value("fx");
        body.Inputs.Add(fx);
        var fy = new Value("fy");
        body.AddNode(new Node("Mul", [fx, fx], [fy]));
        body.Outputs.Add(fy);
        var function = new OnnxFunction("custom.math", "Square", body);
        function.OpsetImports.Add(new OpsetImport("", 17));
        return function;
    }

    [Fact]
    public void Local_functions_round_trip_and_run_in_onnx_runtime()
    {
        var b = new GraphBuilder(opset: 17).Opset("custom.math", 1);
        var x = b.Input("x", DataType.Float, 3);
        var y = b.AddNode("Square", [x], domain: "custom.math").Outputs[0];
        b.Output(y, "y", new TensorType(DataType.Float, new TensorShape(3)));
        using var model = b.Build();
        model.Functions.Add(SquareFunction());

        using var back = Model.Parse(model.ToBytes());
        Assert.Equal("Square", back.Functions.Single().Name);
        Assert.Equal("Mul", back.Functions[0].Body.Nodes.Single().OpType);

        var output = GraphBuilderTests.RunSingle(back.ToBytes(), "x", [1, 2, -3], [3]);
        Assert.Equal([1f, 4f, 9f], output);
    }

    [Fact]
    public void External_data_one_file_per_tensor_with_threshold_and_alignment()
    {
        using var dir = new TempDir();
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 1000);
        var big = b.Initializer("big/weights:0", Enumerable.Range(0, 1000).Select(i => (float)i).ToArray(), 1000);
        var small = b.Initializer("small", new float[] { 2f }, 1);
        b.Output(b.Op("Mul", [b.Op("Add", [x, big]), small]), "y", new TensorType(DataType.Float, new TensorShape(1000)));
        using var model = b.Build();
        var path = dir.File("m.onnx");

        model.Save(path, new ModelSaveOptions { ExternalData = true, ExternalDataFilePerTensor = true, ExternalDataThreshold = 100 });

        Assert.Equal(["m.onnx", "big_weights_0"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).Reverse());
        using var back = Model.Load(path);
        var ext = back.Graph.Initializers.Single(v => v.Name == "big/weights:0").Initializer!.External!;
        Assert.Equal("big_weights_0", ext.Location);
        Assert.Null(back.Graph.Initializers.Single(v => v.Name == "small").Initializer!.External);
        // Inlining reads the lazily mapped external file.
        var output = GraphBuilderTests.RunSingle(back.ToBytes(), "x", new float[1000], [1000]);
        Assert.Equal(2f * 999f, output[999]);
    }

    [Fact]
    public void External_data_in_one_file_is_page_aligned_and_onnx_runtime_reads_it()
    {
        using var dir = new TempDir();
        using var model = Model.Load(Fixtures.ResNet18);
        var path = dir.File("r.onnx");
        model.Save(path, new ModelSaveOptions { ExternalData = true, ExternalDataLocation = "weights.bin" });

        using var back = Model.Load(path);
        var externals = back.Graph.Initializers.Select(v => v.Initializer!.External).OfType<ExternalDataInfo>().ToList();
        Assert.NotEmpty(externals);
        Assert.All(externals, e => Assert.Equal(0, e.Offset % 4096));
        Assert.All(externals, e => Assert.Equal("weights.bin", e.Location));
        Assert.Equal(ResNet18RoundTripTests.Run(Fixtures.ResNet18, 5), ResNet18RoundTripTests.Run(path, 5));
    }

    [Fact]
    public void Save_leaves_no_temporary_files_and_replaces_the_target()
    {
        using var dir = new TempDir();
        var path = dir.File("m.onnx");
        File.WriteAllText(path, "old");
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 1);
        b.Output(b.Op("Relu", [x]), "y");
        using var model = b.Build();

        model.Save(path);

        Assert.Equal(["m.onnx"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        Assert.Equal(model.ToBytes(), File.ReadAllBytes(path));
    }
}
