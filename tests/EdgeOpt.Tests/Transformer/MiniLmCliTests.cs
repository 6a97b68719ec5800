using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.Transformer;

/// <summary>
/// <c>edgeopt quantize</c> on all-MiniLM-L6-v2 as a user runs it: the model file, an .npz of tokenized sentences for
/// static calibration, and the embeddings of other sentences compared with float32's afterwards.
/// </summary>
public sealed class MiniLmCliTests(MiniLmReference reference) : IClassFixture<MiniLmReference>
{
    [Theory]
    [InlineData("int8", 0.3, 0.99)]
    [InlineData("int8-dynamic", 0.3, 0.99)]
    [InlineData("int4", 0.2, 0.95)]
    public void Quantize_shrinks_minilm_and_keeps_its_sentence_embeddings(string type, double maxSizeRatio, double minMeanCosine)
    {
        using var dir = new TempDir();
        var output = dir.File($"minilm.{type}.onnx");
        var modelBytes = File.ReadAllBytes(MiniLm.ModelPath);
        List<string> args = ["quantize", MiniLm.ModelPath, "-o", output, "--type", type, "--per-channel", "--json"];
        if (type == "int8") args.AddRange(["--calib", MiniLm.CalibrationNpz(reference.CalibrationSentences)]);

        var (code, stdout, stderr) = CliHarness.Run([.. args]);

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal(modelBytes, File.ReadAllBytes(MiniLm.ModelPath));
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(type, root.GetProperty("type").GetString());
        var ratio = (double)root.GetProperty("bytesAfter").GetInt64() / root.GetProperty("bytesBefore").GetInt64();
        Assert.True(ratio <= maxSizeRatio, $"size ratio {ratio:F3}");
        Assert.Equal(new FileInfo(output).Length, root.GetProperty("bytesAfter").GetInt64());

        var cosines = reference.Cosines(output);
        Assert.All(cosines, c => Assert.False(double.IsNaN(c)));
        Assert.True(cosines.Average() >= minMeanCosine, $"mean cosine {cosines.Average():F5}");
    }
}
