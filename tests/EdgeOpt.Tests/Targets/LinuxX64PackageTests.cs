using System.Text.Json;
using EdgeOpt.Targets;
using Xunit.Abstractions;
using static EdgeOpt.Tests.Targets.LinuxPackageHelpers;

namespace EdgeOpt.Tests.Targets;

/// <summary>The demo model packaged for linux-x64 twice (the runner published once, then taken from the cache).</summary>
public sealed class LinuxX64PackageFixture : IDisposable
{
    public LinuxX64PackageFixture()
    {
        var model = DemoModel(Root.Path);
        var options = new PackageOptions { Target = PackageTarget.LinuxX64 };
        Package = Packager.Package(model, Root.File("a"), options);
        Second = Packager.Package(model, Root.File("b"), options);
    }

    internal TempDir Root { get; } = new();
    public PlatformPackage Package { get; }
    public PlatformPackage Second { get; }

    public void Dispose() => Root.Dispose();
}

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LinuxX64PackageTests(LinuxX64PackageFixture fixture, ITestOutputHelper output) : IClassFixture<LinuxX64PackageFixture>
{
    private string Folder => fixture.Package.Folder;

    [Fact]
    public void The_published_runner_runs_natively_and_matches_ONNX_Runtime_here()
    {
        var check = RunnerCheck(fixture.Package);
        output.WriteLine($"{check.What}: {check.Detail}");
        Assert.True(check.Passed, check.Detail);
        Assert.Contains("natively", check.What, StringComparison.Ordinal);
        Assert.Contains("tolerance: 1e-4", check.Detail, StringComparison.Ordinal);
        Assert.Contains(fixture.Package.Checks, c => c.What.StartsWith("model.onnx runs in ONNX Runtime", StringComparison.Ordinal) && c.Passed);
        Assert.DoesNotContain(fixture.Package.Checks, c => !c.Passed);
    }

    [Fact]
    public void The_package_holds_the_model_settings_runner_scripts_and_sample_and_lists_them()
    {
        var paths = fixture.Package.Files.Select(f => f.Path).ToList();
        foreach (var expected in new[] { "model.onnx", "session_options.json", "runner/edgeopt-runner", "runner/libonnxruntime.so", "run.sh", "README.md", "sample/input.npy", "package.json" })
            Assert.Contains(expected, paths);
        Assert.DoesNotContain(paths, p => p.EndsWith(".dll", StringComparison.Ordinal) && p.Contains("onnxruntime", StringComparison.Ordinal)); // no Windows DLLs
        Assert.DoesNotContain(paths, p => p.StartsWith("runner-src/", StringComparison.Ordinal));
        var execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        Assert.Equal(execute, File.GetUnixFileMode(Path.Combine(Folder, "runner", "edgeopt-runner")) & execute);
        Assert.Equal(execute, File.GetUnixFileMode(Path.Combine(Folder, "run.sh")) & execute);
        Assert.Equal((UnixFileMode)0, File.GetUnixFileMode(Path.Combine(Folder, "model.onnx")) & execute);

        using var settings = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "session_options.json")));
        Assert.Equal(0, settings.RootElement.GetProperty("intraOpThreads").GetInt32()); // no device: ORT's default
        Assert.Equal("all", settings.RootElement.GetProperty("graphOptimizationLevel").GetString());
        Assert.Equal(0, settings.RootElement.GetProperty("executionProviders").GetArrayLength());

        var readme = File.ReadAllText(Path.Combine(Folder, "README.md"));
        Assert.Contains("./run.sh bench", readme, StringComparison.Ordinal);
        Assert.Contains("## Verified on the machine that made this package", readme, StringComparison.Ordinal);
        Assert.Contains("## Only the device can verify", readme, StringComparison.Ordinal);
        Assert.Contains(fixture.Package.DeviceOnly, d => d.Contains("latency", StringComparison.Ordinal));
    }

    [Fact]
    public void Two_packages_of_the_same_model_are_byte_for_byte_identical()
    {
        var a = Contents(fixture.Package.Folder);
        var b = Contents(fixture.Second.Folder);
        Assert.Equal(a.Keys, b.Keys);
        foreach (var (path, bytes) in a) Assert.True(bytes.AsSpan().SequenceEqual(b[path]), $"{path} differs");
    }

    [Fact]
    public void Run_sh_is_valid_bash_runs_the_sample_and_benchmarks()
    {
        var script = Path.Combine(Folder, "run.sh");
        Assert.Equal(0, Run("bash", ["-n", script]).ExitCode);

        var run = Run("bash", [script, "run"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using (var json = JsonDocument.Parse(run.Stdout))
        {
            var logits = Assert.Single(json.RootElement.GetProperty("outputs").EnumerateArray());
            Assert.Equal("logits", logits.GetProperty("name").GetString());
            Assert.Equal([1, 10], logits.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
            Assert.Equal("cpu", json.RootElement.GetProperty("executionProvider").GetString());
        }

        var bench = Run("bash", [script, "bench", "--runs", "5", "--warmup", "1"]);
        Assert.True(bench.ExitCode == 0, bench.Stderr);
        using (var json = JsonDocument.Parse(bench.Stdout))
        {
            Assert.Equal(5, json.RootElement.GetProperty("runs").GetInt32());
            Assert.Equal("files", json.RootElement.GetProperty("inputs").GetString());
            Assert.True(json.RootElement.GetProperty("latencyMs").GetProperty("median").GetDouble() > 0);
        }

        var usage = Run("bash", [script, "serve"]);
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("usage: ./run.sh run", usage.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_runner_refuses_bad_inputs_with_one_line_and_exit_code_2()
    {
        using var dir = new TempDir();
        var script = Path.Combine(Folder, "run.sh");
        var text = dir.File("text.npy");
        File.WriteAllText(text, "not numpy");
        var cut = dir.File("cut.npy");
        File.WriteAllBytes(cut, Npy("<f4", "(1, 1, 28, 28)", 4 * 784 - 8));
        var float64 = dir.File("f8.npy");
        File.WriteAllBytes(float64, Npy("<f8", "(1, 1, 28, 28)", 8 * 784));
        var shape = dir.File("shape.npy");
        File.WriteAllBytes(shape, Npy("<f4", "(1, 1, 784)", 4 * 784));

        foreach (var (file, message) in new[]
        {
            (text, "is not a NumPy .npy file"),
            (cut, "data bytes"),
            (float64, "dtype '<f8' is not supported"),
            (shape, "has shape [N,1,28,28]"),
            (dir.File("missing.npy"), "cannot read"),
        })
        {
            var result = Run("bash", [script, "run", "--input", $"input={file}"]);
            Assert.Equal(2, result.ExitCode);
            var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("edgeopt-runner: ", line, StringComparison.Ordinal);
            Assert.Contains(message, line, StringComparison.Ordinal);
        }

        var unknown = Run("bash", [script, "run", "--frobnicate", "1"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown option '--frobnicate'", unknown.Stderr, StringComparison.Ordinal);
        var twice = Run("bash", [script, "run", "--input", Path.Combine(Folder, "sample", "input.npy"), "--input", Path.Combine(Folder, "sample", "input.npy")]);
        Assert.Equal(2, twice.ExitCode);
        Assert.Contains("the model takes 1 input(s) (input: float32[N,1,28,28])", twice.Stderr, StringComparison.Ordinal);
    }

    // A version 1.0 .npy of zeros: 10 bytes of magic, version and length, then a 118-byte header.
    private static byte[] Npy(string descr, string shape, int dataBytes)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}".PadRight(117) + "\n";
        return [0x93, .. "NUMPY"u8, 1, 0, 118, 0, .. System.Text.Encoding.Latin1.GetBytes(header), .. new byte[dataBytes]];
    }
}
