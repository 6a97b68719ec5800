using EdgeOpt.Tests.Shared;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.ControlFlow;

/// <summary>
/// <c>optimize --bind sr=16000</c> on Silero VAD with real speech (espeak-ng, 512-sample chunks, state carried): the
/// If on the sample rate is inlined, the 8 kHz branch dropped, and the speech probabilities stay those of the original.
/// </summary>
public sealed class SileroBindTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    [Fact]
    public void Legacy_bound_to_16kHz_is_If_free_and_scores_speech_as_the_original()
    {
        using var dir = new TempDir();
        using var model = Model.Load(Fixtures.SileroVadLegacy);
        var before = PassManager.InitializerBytes(model);

        var result = ModelOptimizer.Optimize(model, Bind16k());
        var bound = Save(model, dir.File("legacy.16k.onnx"));

        Assert.DoesNotContain(model.Graph.AllNodes(), n => n.OpType is "If" or "Loop" or "Scan");
        Assert.Single(model.Graph.AllGraphs());
        Assert.Equal(["input", "h", "c"], model.Graph.Inputs.Select(v => v.Name));
        // What runs at 16 kHz: that branch's 18 of the 36 Convs, and 2 of the 8 LSTMs (each rate has two state paths, an
        // inner If on the batch picks one; it is inlined too).
        Assert.Equal(18, model.Graph.Nodes.Count(n => n.OpType == "Conv"));
        Assert.Equal(2, model.Graph.Nodes.Count(n => n.OpType == "LSTM"));
        Assert.True(result.InitializerBytesAfter < before * 0.55, $"{result.InitializerBytesAfter} of {before} weight bytes left: the dead branch should go");
        var worst = AssertSameSpeechProbabilities(Fixtures.SileroVadLegacy, bound);
        output.WriteLine($"legacy --bind sr=16000: {PassManager.CountNodes(model)} nodes, {new FileInfo(bound).Length} bytes (original {new FileInfo(Fixtures.SileroVadLegacy).Length}), max abs probability difference {worst:E2}");
    }

    [Fact]
    public void V5_bound_to_16kHz_scores_speech_as_the_original_and_with_fixed_shapes_is_If_free()
    {
        using var dir = new TempDir();
        using var model = Model.Load(Fixtures.SileroVadV5);
        var ifsBefore = model.Graph.AllNodes().Count(n => n.OpType == "If");

        ModelOptimizer.Optimize(model, Bind16k());
        var bound = Save(model, dir.File("v5.16k.onnx"));

        // The If on sr is gone with its branch; Ifs on dims of the dynamic input stay, as they must.
        var ifsAfter = model.Graph.AllNodes().Count(n => n.OpType == "If");
        Assert.InRange(ifsAfter, 1, ifsBefore / 2);
        Assert.Equal(["input", "state"], model.Graph.Inputs.Select(v => v.Name));
        var worst = AssertSameSpeechProbabilities(Fixtures.SileroVadV5, bound);
        output.WriteLine($"v5 --bind sr=16000: {PassManager.CountNodes(model)} nodes, {ifsAfter} If (of {ifsBefore}), {new FileInfo(bound).Length} bytes (original {new FileInfo(Fixtures.SileroVadV5).Length}), max abs probability difference {worst:E2}");

        using var chunked = Model.Load(Fixtures.SileroVadV5);
        ModelOptimizer.Optimize(chunked, Bind16k() with
        {
            FixedShapes = new Dictionary<string, long[]> { ["input"] = [1, 512], ["state"] = [2, 1, 128] },
        });
        var fixedPath = Save(chunked, dir.File("v5.16k.512.onnx"));
        Assert.DoesNotContain(chunked.Graph.AllNodes(), n => n.OpType == "If");
        worst = AssertSameSpeechProbabilities(Fixtures.SileroVadV5, fixedPath);
        output.WriteLine($"v5 --bind sr=16000 --fixed-shape input=1x512 --fixed-shape state=2x1x128: {PassManager.CountNodes(chunked)} nodes, {new FileInfo(fixedPath).Length} bytes, max abs probability difference {worst:E2}");
    }

    private static OptimizationOptions Bind16k() => new() { Bindings = new Dictionary<string, string> { ["sr"] = "16000" } };

    private static string Save(Model model, string path)
    {
        model.Save(path);
        return path;
    }

    /// <summary>Asserts the two models score the speech fixture alike (max abs ≤ 1e-5); returns the largest difference.</summary>
    internal static double AssertSameSpeechProbabilities(string originalPath, string boundPath)
    {
        float[] audio = SpeechAudio.SpeechAndSilence;
        float[] expected = SileroVad.SpeechProbabilities(originalPath, audio);
        float[] actual = SileroVad.SpeechProbabilities(boundPath, audio);

        Assert.True(expected.Max() > 0.8f, $"the original never hears speech (max {expected.Max()}): the comparison would prove nothing");
        var worst = Differences.MaxAbs(expected, actual);
        Assert.True(worst <= Tolerance, $"speech probabilities differ by up to {worst:E2} (tolerance {Tolerance:E0})");
        return worst;
    }
}
