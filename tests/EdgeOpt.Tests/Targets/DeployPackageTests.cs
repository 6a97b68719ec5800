using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.Targets;

/// <summary><c>edgeopt deploy --package</c>: the chosen model's platform package lands in package/ of the deployment.</summary>
public sealed class DeployPackageTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Deploy_to_a_phone_with_package_writes_the_android_package_of_the_chosen_model()
    {
        var demo = _dir.File("fashion-cnn.onnx");
        File.WriteAllBytes(demo, DemoAssets.ModelBytes());
        var output = _dir.File("deployed");

        var (code, _, stderr) = CliHarness.Run("deploy", demo, "--device", "pixel-7", "-o", output, "--package", "--no-cache", "--json");

        Assert.True(code == 0, stderr);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "report.json")));
        Assert.Contains("package", report.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "package", "package.json")));
        Assert.Equal("android", manifest.RootElement.GetProperty("target").GetString());
        Assert.Equal("pixel-7", manifest.RootElement.GetProperty("device").GetString());
        Assert.All(manifest.RootElement.GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("passed").GetBoolean()));
        Assert.True(File.Exists(Path.Combine(output, "package", "model.with_runtime_opt.ort")));

        // The deployment with its package is EdgeOpt's own output: --force replaces it.
        var (again, _, againErr) = CliHarness.Run("deploy", demo, "--device", "pixel-7", "-o", output, "--package", "--no-cache", "--force", "--json");
        Assert.True(again == 0, againErr);
    }
}
