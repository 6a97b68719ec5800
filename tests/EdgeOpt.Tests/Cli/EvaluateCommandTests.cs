using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.BadInput;

namespace EdgeOpt.Tests.Cli;

/// <summary><c>edgeopt evaluate</c>: accuracy from class folders or a labels file, fidelity against a reference, refusals.</summary>
public sealed class EvaluateCommandTests(DemoImageFolders demo) : IClassFixture<DemoImageFolders>
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

    [Fact]
    public void Accuracy_from_class_folders_matches_the_library_evaluator()
    {
        var (code, stdout, stderr) = Run("evaluate", demo.Model, "--data", demo.Evaluation, "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        var result = json.RootElement.GetProperty("result");
        Assert.Equal(300, result.GetProperty("samples").GetInt32());
        // The PNGs hold the same pixels as the embedded IDX images, so accuracy equals the in-memory evaluation.
        var test = DemoAssets.TestSet();
        using var model = EdgeOpt.Onnx.Model.Parse(DemoAssets.ModelBytes());
        var source = new LabelledImageSource(test, "input", [1, 1, 28, 28]);
        var expected = ModelEvaluator.Evaluate(model, source, new EvaluationOptions { Samples = 300 });
        Assert.Equal(expected.Top1!.Value, result.GetProperty("top1").GetDouble(), 1e-9);
        Assert.True(result.GetProperty("meanLatencyMs").GetDouble() > 0);
    }

    [Fact]
    public void Fidelity_against_a_reference_and_a_labels_file()
    {
        using var dir = new TempDir();
        var quantized = dir.File("q.onnx");
        Assert.Equal(ExitCodes.Ok, Run("quantize", demo.Model, "-o", quantized, "--calib", demo.Calibration).Code);
        var images = Directory.GetFiles(demo.Evaluation, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var flat = Directory.CreateDirectory(dir.File("flat")).FullName;
        var labels = new List<string>();
        foreach (var image in images.Take(50))
        {
            File.Copy(image, Path.Combine(flat, Path.GetFileName(image)));
        }
        foreach (var image in images.Take(50).OrderBy(Path.GetFileName, StringComparer.Ordinal))
            labels.Add(int.Parse(Path.GetFileName(Path.GetDirectoryName(image)!)[..2], System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var labelFile = dir.File("labels.txt");
        File.WriteAllLines(labelFile, labels);

        var (code, stdout, stderr) = Run("evaluate", quantized, "--reference", demo.Model, "--data", flat, "--labels", labelFile, "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        var result = json.RootElement.GetProperty("result");
        Assert.Equal(50, result.GetProperty("samples").GetInt32());
        Assert.True(result.GetProperty("top1").GetDouble() >= 0.8);
        var fidelity = result.GetProperty("fidelity")[0];
        Assert.Equal("logits", fidelity.GetProperty("name").GetString());
        Assert.True(fidelity.GetProperty("cosine").GetDouble() > 0.98);
        Assert.True(fidelity.GetProperty("top1Agreement").GetDouble() >= 0.94);
    }

    [Fact]
    public void Table_shows_accuracy_and_latency()
    {
        var (code, stdout, stderr) = Run("evaluate", demo.Model, "--data", demo.Evaluation, "--samples", "40");

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Contains("Top-1 accuracy", stdout, StringComparison.Ordinal);
        Assert.Contains("Latency / sample", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nothing to measure", "--data", "random:4")]
    [InlineData("missing data", "--samples", "3")]
    [InlineData("expects float[", "--data", "{eval}", "--size", "20x20")]
    public void Bad_input_exits_2_with_one_line(string expected, params string[] flags)
    {
        var before = FolderSnapshot.Take(demo.Root);
        var (code, stdout, stderr) = Run(["evaluate", demo.Model, .. flags.Select(f => f.Replace("{eval}", demo.Evaluation))]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        FolderSnapshot.Take(demo.Root).AssertUnchangedSince(before);
    }
}
