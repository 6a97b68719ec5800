using EdgeOpt.Cli;
using EdgeOpt.Devices;
using EdgeOpt.Targets;
using EdgeOpt.Targets.Linux;
using EdgeOpt.Tests.Evaluation;
using static EdgeOpt.Tests.Targets.LinuxPackageHelpers;

namespace EdgeOpt.Tests.Targets;

/// <summary>What the Linux targets refuse, ship without a published runner, and advise per device.</summary>
public sealed class LinuxPackageOptionsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(PackageTarget.LinuxX64)]
    [InlineData(PackageTarget.LinuxArm64)]
    [InlineData(PackageTarget.RaspberryPi)]
    public void Fp16_is_refused_because_the_CPU_provider_lacks_float16_kernels(PackageTarget target)
    {
        var output = _dir.File("out");
        var e = Assert.Throws<UsageException>(() => Packager.Package(DemoModel(_dir.Path), output, new PackageOptions { Target = target, Precision = PackagePrecision.Fp16 }));
        Assert.Contains("--precision fp16 cannot run on", e.Message, StringComparison.Ordinal);
        Assert.Contains("lacks float16 kernels for most operators (Conv, Gemm, ...); use fp32 or int8", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Without_publishing_the_package_ships_the_runner_source_and_a_build_script()
    {
        var package = Packager.Package(DemoModel(_dir.Path), _dir.File("src"), new PackageOptions { Target = PackageTarget.LinuxArm64, PublishRunner = false });
        var paths = package.Files.Select(f => f.Path).ToList();
        Assert.Contains("runner-src/EdgeOpt.Runner.csproj", paths);
        Assert.Contains("runner-src/Program.cs", paths);
        Assert.Contains("runner-src/Directory.Packages.props", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("runner/", StringComparison.Ordinal));
        Assert.Contains(package.Notes, n => n.Contains("PublishRunner = false", StringComparison.Ordinal));
        Assert.Contains(package.DeviceOnly, d => d.Contains("not checked here", StringComparison.Ordinal));
        Assert.DoesNotContain(package.Checks, c => c.What.Contains("runner", StringComparison.Ordinal));

        // build_runner.sh runs the publish the packager runs (same arguments) on the same sources (the cache key's hash).
        var build = Path.Combine(package.Folder, "build_runner.sh");
        Assert.Equal(0, Run("bash", ["-n", build]).ExitCode);
        var script = File.ReadAllText(build);
        Assert.Contains($"EdgeOpt.Runner.csproj\" {string.Join(" ", RunnerPublisher.Arguments("linux-arm64"))} -o", script, StringComparison.Ordinal);
        Assert.Contains("-r linux-arm64 --self-contained -p:PublishTrimmed=true -p:InvariantGlobalization=true", script, StringComparison.Ordinal);
        var shipped = Contents(Path.Combine(package.Folder, "runner-src"));
        using (var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256))
        {
            foreach (var (name, bytes) in shipped)
            {
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{name}\0{bytes.Length}\0"));
                hash.AppendData(bytes);
            }
            Assert.Equal(RunnerSources.Hash("1.31.1"), Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
        Assert.Contains("<PackageVersion Include=\"Microsoft.ML.OnnxRuntime\" Version=\"1.31.1\" />",
            File.ReadAllText(Path.Combine(package.Folder, "runner-src", "Directory.Packages.props")), StringComparison.Ordinal);

        var run = Run("bash", [Path.Combine(package.Folder, "run.sh"), "run"], new Dictionary<string, string> { ["EDGEOPT_EMULATOR"] = "qemu-aarch64-static" });
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("build it with ./build_runner.sh", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Int8_on_a_Pi_4_warns_that_the_A72_lacks_dot_products()
    {
        var calibration = DemoSamples.From(DemoAssets.CalibrationSet(), withLabels: false);
        var package = Packager.Package(DemoModel(_dir.Path), _dir.File("pi4"),
            new PackageOptions { Target = PackageTarget.RaspberryPi, Device = "raspberry-pi-4", Precision = PackagePrecision.Int8Dynamic, PublishRunner = false }, calibration);
        Assert.Equal("raspberry-pi-4", package.Device);
        Assert.Contains(package.Notes, n => n.Contains("the Cortex-A72 lacks the dot-product instructions", StringComparison.Ordinal));
        Assert.Contains(package.DeviceOnly, d => d.Contains("throttles from 80 °C", StringComparison.Ordinal));
        Assert.Contains("\"intraOpThreads\": 4", File.ReadAllText(Path.Combine(package.Folder, "session_options.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_generic_arm64_package_leaves_threads_to_ONNX_Runtime_and_names_no_device()
    {
        var package = Packager.Package(DemoModel(_dir.Path), _dir.File("arm64"), new PackageOptions { Target = PackageTarget.LinuxArm64, PublishRunner = false });
        Assert.Null(package.Device);
        Assert.Contains("\"intraOpThreads\": 0", File.ReadAllText(Path.Combine(package.Folder, "session_options.json")), StringComparison.Ordinal);
        Assert.DoesNotContain(package.Notes, n => n.Contains("64-bit OS", StringComparison.Ordinal));
        Assert.Contains(package.Notes, n => n.Contains("asimddp", StringComparison.Ordinal));
    }

    [Fact]
    public void A_publish_without_the_NET_SDK_is_refused_in_one_line_that_names_the_way_out()
    {
        using var cache = new TempDir();
        var e = Assert.Throws<UsageException>(() =>
            RunnerPublisher.Publish("linux-arm64", "1.31.1", _dir.Path, null, CancellationToken.None, cacheRoot: cache.Path, dotnet: _dir.File("no-dotnet")));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("needs the .NET 10 SDK", e.Message, StringComparison.Ordinal);
        Assert.Contains("PublishRunner = false (--no-runner-build)", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateDirectories(cache.Path));
    }

    [Theory]
    [InlineData(PackageTarget.LinuxX64, "raspberry-pi-4", "--device 'raspberry-pi-4' (Raspberry Pi 4 Model B (4GB)) has Arm cores (Cortex-A72), which a linux-x64 package does not run on; use --target linux-arm64")]
    [InlineData(PackageTarget.LinuxX64, "jetson-xavier-nx", "--device 'jetson-xavier-nx' (NVIDIA Jetson Xavier NX) has Arm cores (Carmel), which a linux-x64 package does not run on; use --target linux-arm64")]
    [InlineData(PackageTarget.RaspberryPi, "jetson-orin-nano", "--device 'jetson-orin-nano' (NVIDIA Jetson Orin Nano 8GB) is not a Raspberry Pi; use --target linux-arm64 for other Arm boards")]
    public void A_device_the_package_cannot_run_on_is_refused_naming_the_target_to_use(PackageTarget target, string device, string message)
    {
        var output = _dir.File("out");
        var e = Assert.Throws<UsageException>(() => Packager.Package(DemoModel(_dir.Path), output, new PackageOptions { Target = target, Device = device, PublishRunner = false }));
        Assert.Equal(message, e.Message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void Linux_packages_use_the_same_threads_rule_as_Android_and_iOS()
    {
        // Every cluster but the slowest (EdgeDevice.PerformanceCores), whatever the target.
        foreach (var device in DeviceCatalog.All.Where(d => d.CpuClusters.Count > 0))
            Assert.Equal(device.PerformanceCores, LinuxTuning.For(device, LinuxArchitecture.Arm64).IntraOpThreads);

        var rk3588 = DeviceCatalog.Find("firefly-rk3588s");
        var tuning = LinuxTuning.For(rk3588, LinuxArchitecture.Arm64);
        Assert.Equal(4, tuning.IntraOpThreads);
        Assert.Equal("Cortex-A76", tuning.Cores?.Core);
        Assert.Contains("not its slower ones (4x Cortex-A55)", tuning.ThreadsReason, StringComparison.Ordinal);
    }
}
