using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Devices;
using EdgeOpt.Tests.BadInput;
using EdgeOpt.Tests.Progressive;

namespace EdgeOpt.Tests.Cli;

/// <summary>Small input checks: each bad value is one "error:" line with exit 2 that says what is wrong.</summary>
public sealed class SmallInputCheckTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Random_calibration_over_the_maximum_is_refused_before_any_work()
    {
        var model = PackagerModels.Mlp(_dir.Path, "m", layers: 2, width: 16);
        var before = FolderSnapshot.Take(_dir.Path);
        var line = CliHarness.UsageErrorLine(CliHarness.Run("quantize", model, "-o", _dir.File("q.onnx"), "--calib", "random:100000"));
        Assert.Contains($"at most {SampleSources.MaxRandomSamples} random samples", line, StringComparison.Ordinal);
        Assert.Equal(10_000, SampleSources.MaxRandomSamples);
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }

    [Fact]
    public void Calibration_says_on_stderr_what_it_runs()
    {
        var model = PackagerModels.Mlp(_dir.Path, "m", layers: 2, width: 16);
        var (code, _, stderr) = CliHarness.Run("quantize", model, "-o", _dir.File("q.onnx"), "--calib", "random:20", "--json");
        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Contains("calibrating: 20 sample runs on random (20 samples, NOT representative)", stderr, StringComparison.Ordinal);
        Assert.Contains("calibrating: 10/20", stderr, StringComparison.Ordinal);
    }

    public static TheoryData<string[]> DeviceCommands => new()
    {
        new[] { "devices" },
        new[] { "estimate", "MODEL", "--device" },
        new[] { "compat", "MODEL", "--device" },
    };

    [Theory]
    [MemberData(nameof(DeviceCommands))]
    public void A_long_device_name_with_control_characters_is_echoed_short_and_escaped(string[] command)
    {
        var model = PackagerModels.Mlp(_dir.Path, "m", layers: 2, width: 16);
        var name = "\u001b[31m" + new string('x', 300) + "\nrm -rf /";
        var args = command.Select(a => a == "MODEL" ? model : a).Append(name).ToArray();

        var line = CliHarness.UsageErrorLine(CliHarness.Run(args));

        Assert.DoesNotContain('\u001b', line);
        Assert.Contains("'\\u001b[31mxxx", line, StringComparison.Ordinal);
        Assert.Contains("…'", line, StringComparison.Ordinal);
        var echoed = line[(line.IndexOf('\'', StringComparison.Ordinal) + 1)..line.IndexOf("…'", StringComparison.Ordinal)];
        Assert.True(echoed.Length <= DeviceCatalog.MaxEchoedNameLength, $"echoed {echoed.Length} characters");
    }

    [Theory]
    [InlineData("10TB", "out of range (max 2 GiB)")]
    [InlineData("3GiB", "out of range (max 2 GiB)")]
    [InlineData("100", "out of range (min 4 KiB)")]
    [InlineData("lots", "is not a positive size")]
    public void A_chunk_size_out_of_range_says_so(string size, string expected)
    {
        var model = PackagerModels.Mlp(_dir.Path, "m", layers: 2, width: 16);
        var line = CliHarness.UsageErrorLine(CliHarness.Run("progressive", model, "-o", _dir.File("pkg"), "--chunk-size", size));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("pkg")));
    }

    [Fact]
    public void Serve_on_a_file_says_it_is_a_file()
    {
        var file = _dir.File("model.onnx");
        File.WriteAllText(file, "not a folder");
        var line = CliHarness.UsageErrorLine(CliHarness.Run("serve", file, "--port", "0"));
        Assert.Contains("is a file, not a folder", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("8080x")]
    [InlineData("99999999999")]
    [InlineData("")]
    public void An_unparseable_port_is_one_line(string port)
    {
        var line = CliHarness.UsageErrorLine(CliHarness.Run("serve", _dir.Path, "--port", port));
        Assert.Contains($"--port '{port}' is not a port number", line, StringComparison.Ordinal);
    }
}
