using EdgeOpt.Cli;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.Targets;

/// <summary>
/// <c>edgeopt package</c> refusals: one line naming what is wrong, exit 2, nothing written, the input untouched.
/// </summary>
public sealed class PackageBadInputTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _demo;
    private readonly byte[] _demoBytes = DemoAssets.ModelBytes();

    public PackageBadInputTests()
    {
        _demo = _dir.File("fashion-cnn.onnx");
        File.WriteAllBytes(_demo, _demoBytes);
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("--target", "symbian", "--target 'symbian' is not a target; expected one of android, ios, jetson, raspberry-pi, linux-arm64, linux-x64, web")]
    [InlineData("--shape-range", "image=1x1x28x28", "shape range for 'image': the model has no such input (inputs: input)")]
    [InlineData("--shape-range", "input=1x28x28", "shape range for 'input': the input has rank 4 ([N,1,28,28]), the range gives 3 dims")]
    [InlineData("--shape-range", "input=1x3x28x28", "shape range for 'input': dim 1 is fixed at 1 in the model, the range gives 3:3:3")]
    [InlineData("--shape-range", "input=4x1x28x28:2x1x28x28:8x1x28x28", "shape range for 'input': dim 0 must satisfy min <= opt <= max, got 4:2:8")]
    [InlineData("--shape-range", "input=1x1x28x28:4x1x28x28:8x1x28x28", "--shape-range for 'input': android takes one fixed shape (NAME=SHAPE); MIN:OPT:MAX profiles are for --target jetson (TensorRT)")]
    [InlineData("--shape-range", "input", "shape range 'input': expected NAME=MIN:OPT:MAX (each shape like 1x3x224x224) or NAME=SHAPE")]
    [InlineData("--precision", "int8", "--precision int8 needs calibration data (--data): static INT8 takes its activation ranges from real inputs")]
    [InlineData("--precision", "int3", "--precision 'int3' is not one of fp32, fp16, int8, int8-dynamic")]
    [InlineData("--device", "iphone-15-pro", "--device 'iphone-15-pro' (Apple iPhone 15 Pro) is not an android device")]
    public void Refusals_are_one_line_exit_2_and_write_nothing(string flag, string value, string message)
    {
        var args = new List<string> { "package", _demo, "-o", _dir.File("out") };
        if (flag != "--target") args.AddRange(["--target", "android"]);
        args.AddRange([flag, value]);

        var (code, stdout, stderr) = CliHarness.Run([.. args]);

        Assert.Equal(2, code);
        Assert.Equal($"error: {message}", stderr.Trim());
        Assert.Equal("", stdout);
        Assert.False(Directory.Exists(_dir.File("out")));
        Assert.Equal(_demoBytes, File.ReadAllBytes(_demo));
        Assert.Equal(["fashion-cnn.onnx"], Directory.EnumerateFileSystemEntries(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_folder_holding_other_files_is_refused_and_left_as_it_was()
    {
        var output = Directory.CreateDirectory(_dir.File("out")).FullName;
        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");

        var (code, _, stderr) = CliHarness.Run("package", _demo, "--target", "ios", "-o", output, "--force");

        Assert.Equal(2, code);
        Assert.Contains("holds files EdgeOpt did not write", stderr, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(output, "notes.txt")));
    }

    [Fact]
    public void An_earlier_package_is_replaced_only_with_force()
    {
        var output = _dir.File("out");
        Assert.Equal(0, CliHarness.Run("package", _demo, "--target", "android", "-o", output).Code);

        var (again, _, stderr) = CliHarness.Run("package", _demo, "--target", "android", "-o", output);
        Assert.Equal(2, again);
        Assert.Contains("holds an earlier package; use --force", stderr, StringComparison.Ordinal);
        var (forced, _, forcedErr) = CliHarness.Run("package", _demo, "--target", "android", "-o", output, "--force", "--shape-range", "input=1x1x28x28");
        Assert.True(forced == 0, forcedErr);
    }
}
