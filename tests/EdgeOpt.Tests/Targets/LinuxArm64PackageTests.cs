using System.Runtime.InteropServices;
using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Targets;
using EdgeOpt.Tests.Evaluation;
using Xunit.Abstractions;
using static EdgeOpt.Tests.Targets.LinuxPackageHelpers;

namespace EdgeOpt.Tests.Targets;

/// <summary>
/// Raspberry Pi 5 packages run under QEMU user-mode emulation (Debian's qemu-user-static and arm64 multiarch libraries,
/// which scripts/test.sh installs): ResNet18 in FP32, the demo model in static INT8.
/// </summary>
public sealed class LinuxArm64PackageFixture : IDisposable
{
    public LinuxArm64PackageFixture()
    {
        Assert.True(RuntimeInformation.OSArchitecture == Architecture.X64, "these tests emulate arm64 on an x64 machine");
        ResNet18 = Packager.Package(Fixtures.ResNet18, Root.File("resnet18"), new PackageOptions { Target = PackageTarget.RaspberryPi });
        var calibration = DemoSamples.From(DemoAssets.CalibrationSet(), withLabels: false);
        Int8 = Packager.Package(DemoModel(Root.Path), Root.File("int8"),
            new PackageOptions { Target = PackageTarget.RaspberryPi, Precision = PackagePrecision.Int8, CalibrationSamples = 100 }, calibration);
    }

    internal TempDir Root { get; } = new();
    public PlatformPackage ResNet18 { get; }
    public PlatformPackage Int8 { get; }

    public void Dispose() => Root.Dispose();
}

public sealed class LinuxArm64PackageTests(LinuxArm64PackageFixture fixture, ITestOutputHelper output) : IClassFixture<LinuxArm64PackageFixture>
{
    [Fact]
    public void ResNet18_fp32_runs_under_qemu_and_matches_x64_ONNX_Runtime()
    {
        var check = RunnerCheck(fixture.ResNet18);
        output.WriteLine($"{check.What}: {check.Detail}");
        Assert.True(check.Passed, check.Detail);
        Assert.Contains("qemu-aarch64-static", check.What, StringComparison.Ordinal);
        Assert.Contains("tolerance: 1e-4", check.Detail, StringComparison.Ordinal);
        Assert.Contains("not timed", check.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.ResNet18.Checks, c => !c.Passed);
        Assert.Equal("raspberry-pi-5", fixture.ResNet18.Device);
    }

    [Fact]
    public void Int8_on_the_Pi_5_runs_under_qemu_within_the_int8_tolerance_and_says_why_int8_suits_the_A76()
    {
        var check = RunnerCheck(fixture.Int8);
        output.WriteLine($"{check.What}: {check.Detail}");
        Assert.True(check.Passed, check.Detail);
        Assert.Contains("tolerance: 2e-2", check.Detail, StringComparison.Ordinal);
        Assert.Equal(PackagePrecision.Int8, fixture.Int8.Precision);
        Assert.Contains(fixture.Int8.Notes, n => n.Contains("INT8 suits the Cortex-A76", StringComparison.Ordinal) && n.Contains("SDOT", StringComparison.Ordinal));
        var model = File.ReadAllBytes(Path.Combine(fixture.Int8.Folder, "model.onnx"));
        Assert.True(model.AsSpan().IndexOf("QuantizeLinear"u8) >= 0, "the INT8 package's model has no QuantizeLinear");
    }

    [Fact]
    public void The_Pi_package_uses_the_Pi_5s_four_cores_tries_XNNPACK_and_needs_a_64_bit_OS()
    {
        var folder = fixture.ResNet18.Folder;
        using var settings = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "session_options.json")));
        Assert.Equal(4, settings.RootElement.GetProperty("intraOpThreads").GetInt32());
        Assert.Equal(["xnnpack"], settings.RootElement.GetProperty("executionProviders").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains(fixture.ResNet18.Notes, n => n.Contains("64-bit OS", StringComparison.Ordinal));
        Assert.Contains(fixture.ResNet18.Notes, n => n.Contains("INT8 is preferred on the Cortex-A76", StringComparison.Ordinal));
        var readme = File.ReadAllText(Path.Combine(folder, "README.md"));
        Assert.Contains("Raspberry Pi 5", readme, StringComparison.Ordinal);
        Assert.Contains("4 Cortex-A76 cores", readme, StringComparison.Ordinal);
        Assert.Contains("thermal", readme, StringComparison.Ordinal);
        Assert.Contains("under QEMU user-mode emulation", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_sh_refuses_this_x64_machine_unless_an_emulator_is_named()
    {
        var script = Path.Combine(fixture.Int8.Folder, "run.sh");
        Assert.Equal(0, Run("bash", ["-n", script]).ExitCode);
        var refused = Run("bash", [script, "run"], new Dictionary<string, string> { ["EDGEOPT_EMULATOR"] = "" });
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("this package is for aarch64 (linux-arm64) and this machine is x86_64", refused.Stderr, StringComparison.Ordinal);

        var emulated = Run("bash", [script, "bench", "--runs", "2", "--warmup", "0"], new Dictionary<string, string> { ["EDGEOPT_EMULATOR"] = "qemu-aarch64-static" });
        Assert.True(emulated.ExitCode == 0, emulated.Stderr);
        using var json = JsonDocument.Parse(emulated.Stdout);
        Assert.Equal(2, json.RootElement.GetProperty("runs").GetInt32()); // the figures themselves mean nothing under emulation
    }
}
