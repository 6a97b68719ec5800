using EdgeOpt.Tests.Shared;
using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Tests.Runtime;

public class SessionFactoryTests
{
    // y = x * 2 + 1 on [N, 4].
    private static Model AffineModel()
    {
        var b = new GraphBuilder("affine");
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 4);
        var y = b.Op("Add", [b.Op("Mul", [x, b.Initializer("two", [2f])]), b.Initializer("one", [1f])]);
        b.Output(y, "y");
        return b.Build();
    }

    private static float[] Run(InferenceSession session, string input, float[] data, long[] shape)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [input], [value], [session.OutputNames[0]]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    [Fact]
    public void Opens_the_same_model_from_a_file_bytes_or_the_IR()
    {
        using var dir = new TempDir();
        using var model = AffineModel();
        var path = dir.File("affine.onnx");
        model.Save(path);
        float[] x = [0, 1, -2.5f, 100];

        using var fromModel = SessionFactory.Create(model);
        using var fromBytes = SessionFactory.Create(model.ToBytes(), new SessionSettings { IntraOpThreads = 1 });
        using var fromFile = SessionFactory.Create(path, new SessionSettings { Optimization = GraphOptimization.None });

        float[] expected = [1, 3, -4, 201];
        Assert.Equal(expected, Run(fromModel, "x", x, [1, 4]));
        Assert.Equal(expected, Run(fromBytes, "x", x, [1, 4]));
        Assert.Equal(expected, Run(fromFile, "x", x, [1, 4]));
    }

    [Fact]
    public void Graph_optimization_levels_agree_on_the_demo_model()
    {
        var bytes = DemoAssets.ModelBytes();
        var images = DemoAssets.TestSet().Take(8);
        var input = images.Pixels.ToArray().Select(p => p / 255f).ToArray();

        using var plain = SessionFactory.Create(bytes, new SessionSettings { Optimization = GraphOptimization.None });
        using var optimized = SessionFactory.Create(bytes, new SessionSettings { Optimization = GraphOptimization.All, IntraOpThreads = 2 });
        var a = Run(plain, "input", input, [8, 1, 28, 28]);
        var b = Run(optimized, "input", input, [8, 1, 28, 28]);

        Assert.Equal(80, a.Length);
        var maxAbs = Differences.MaxAbs(a, b);
        Assert.True(maxAbs <= 1e-4f, $"max |difference| {maxAbs} exceeds 1e-4");
    }

    [Fact]
    public void Lists_the_cpu_provider()
    {
        Assert.Contains("cpu", SessionFactory.AvailableProviders());
    }

    [Fact]
    public void Rejects_an_execution_provider_missing_from_the_build()
    {
        var e = Assert.Throws<UsageException>(() =>
            SessionFactory.Create(AffineModel(), new SessionSettings { ExecutionProvider = "warp-drive" }));
        Assert.StartsWith("execution provider 'warp-drive' is not in this ONNX Runtime build (available: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("cpu", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_negative_thread_counts()
    {
        var e = Assert.Throws<UsageException>(() => SessionFactory.Create(AffineModel(), new SessionSettings { IntraOpThreads = -2 }));
        Assert.Contains("-2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_the_source_of_a_model_onnx_runtime_refuses()
    {
        var e = Assert.Throws<ModelFormatException>(() => SessionFactory.Create("not a model"u8.ToArray(), sourceName: "junk.onnx"));
        Assert.StartsWith("junk.onnx: ONNX Runtime cannot load the model: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Names_a_missing_model_file()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<FileNotFoundException>(() => SessionFactory.Create(dir.File("missing.onnx")));
        Assert.Contains("missing.onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describes_the_host()
    {
        var host = HostDescription.Current;
        Assert.False(string.IsNullOrWhiteSpace(host.Cpu));
        Assert.Equal(Environment.ProcessorCount, host.LogicalCores);
        Assert.StartsWith("1.", host.OnnxRuntimeVersion, StringComparison.Ordinal);
        Assert.Contains(host.Cpu, host.ToString(), StringComparison.Ordinal);
    }
}
