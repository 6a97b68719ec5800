using System.Text.RegularExpressions;
using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using EdgeOpt.Targets;

namespace EdgeOpt.Tests.Targets;

/// <summary>
/// Android and iOS packages of the embedded demo CNN through <see cref="Packager"/>: ORT format models that ONNX Runtime
/// loads and that reproduce the ONNX outputs, ORT's config formats, the NNAPI / Core ML reports, snippets, determinism.
/// </summary>
public sealed partial class MobilePackageTests : IDisposable
{
    private static readonly ShapeRange FixedInput = ShapeRange.Parse("input=1x1x28x28");
    private readonly TempDir _dir = new();
    private readonly string _demo;

    public MobilePackageTests()
    {
        _demo = _dir.File("fashion-cnn.onnx");
        File.WriteAllBytes(_demo, DemoAssets.ModelBytes());
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Android_package_holds_both_ort_models_that_reproduce_the_onnx_outputs()
    {
        var package = Packager.Package(_demo, _dir.File("android"), new PackageOptions { Target = PackageTarget.Android, ShapeRanges = [FixedInput] });

        Assert.Equal(
            ["ModelSession.kt", "README.md", "dependencies.gradle.kts", "model.ort", "model.with_runtime_opt.ort", "package.json",
             "required_operators.config", "required_operators_and_types.config"],
            package.Files.Select(f => f.Path));
        Assert.All(package.Checks, c => Assert.True(c.Passed, $"{c.What}: {c.Detail}"));
        Assert.Equal(4, package.Checks.Count);
        // Independently of the packager's own checks: each .ort file opens in ORT and matches the input model.
        using var demo = Model.Load(_demo);
        var inputs = Enumerable.Range(0, 4).Select(i => (IReadOnlyDictionary<string, Tensor>)InputGenerator.Random(demo, 50 + i, new Dictionary<string, long> { ["N"] = 1 })).ToList();
        foreach (var ort in new[] { "model.ort", "model.with_runtime_opt.ort" })
        {
            Assert.Equal("ORTM", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(Path.Combine(package.Folder, ort)), 4, 4));
            var report = ModelEquivalence.CompareFiles(_demo, Path.Combine(package.Folder, ort), inputs);
            Assert.True(report.MaxRelativeError <= 1e-4, $"{ort}: max relative error {report.MaxRelativeError}");
        }
    }

    [Fact]
    public void Fixed_shape_demo_runs_whole_on_nnapi_with_cpu_disabled_and_the_snippet_says_so()
    {
        var package = Packager.Package(_demo, _dir.File("android"), new PackageOptions { Target = PackageTarget.Android, ShapeRanges = [FixedInput], Precision = PackagePrecision.Fp16 });

        var nnapi = Assert.Single(package.Providers);
        Assert.Equal("NNAPI", nnapi.Provider);
        Assert.Equal(ProviderSuitability.Yes, nnapi.Suitability);
        Assert.Equal([nnapi.Nodes], nnapi.PartitionSizes);
        Assert.StartsWith($"1 partitions with a total of {nnapi.Nodes}/{nnapi.Nodes} nodes can be handled by the NNAPI EP.", nnapi.Summary[0], StringComparison.Ordinal);
        Assert.Equal("on", nnapi.Options["CPU_DISABLED"]);
        Assert.Equal("on", nnapi.Options["USE_FP16"]);
        var kotlin = File.ReadAllText(Path.Combine(package.Folder, "ModelSession.kt"));
        Assert.Contains("addNnapi(EnumSet.of(NNAPIFlags.USE_FP16, NNAPIFlags.CPU_DISABLED))", kotlin, StringComparison.Ordinal);
        Assert.Contains("context.assets.open(\"model.with_runtime_opt.ort\")", kotlin, StringComparison.Ordinal);
        Assert.Contains("implementation(\"com.microsoft.onnxruntime:onnxruntime-android:" + package.OnnxRuntimeVersion + "\")",
            File.ReadAllText(Path.Combine(package.Folder, "dependencies.gradle.kts")), StringComparison.Ordinal);
        Assert.Contains(nnapi.Advice, a => a.Contains("deprecated from Android 15", StringComparison.Ordinal));
    }

    [Fact]
    public void Dynamic_batch_keeps_nnapi_off_with_the_fixed_shape_advice()
    {
        var package = Packager.Package(_demo, _dir.File("android"), new PackageOptions { Target = PackageTarget.Android });

        var nnapi = Assert.Single(package.Providers);
        Assert.Equal(ProviderSuitability.No, nnapi.Suitability);
        Assert.Equal(0, nnapi.SupportedNodes);
        Assert.All(nnapi.Unsupported, n => Assert.Contains("static shapes", n.Reason, StringComparison.Ordinal));
        Assert.Contains(nnapi.Advice, a => a.Contains("--shape-range input=1x1x28x28", StringComparison.Ordinal));
        var kotlin = File.ReadAllText(Path.Combine(package.Folder, "ModelSession.kt"));
        Assert.Contains("addXnnpack(", kotlin, StringComparison.Ordinal);
        Assert.Contains("\"model.ort\"", kotlin, StringComparison.Ordinal);
    }

    [Fact]
    public void Operator_configs_follow_ort_format_exactly()
    {
        var package = Packager.Package(_demo, _dir.File("android"), new PackageOptions { Target = PackageTarget.Android });

        var plain = File.ReadAllLines(Path.Combine(package.Folder, "required_operators.config"));
        Assert.Equal(["# Generated from model/s:", "# - model.ort", "# - model.with_runtime_opt.ort"], plain[..3]);
        var lines = plain[3..];
        Assert.All(lines, l => Assert.Matches(ConfigLine(), l));
        Assert.Equal(lines.Order(StringComparer.Ordinal), lines);
        foreach (var line in lines)
        {
            var ops = line.Split(';')[2].Split(',');
            Assert.Equal(ops.Order(StringComparer.Ordinal), ops);
        }
        Assert.Contains("ai.onnx;13;Conv,Flatten,Gemm,MaxPool,Relu", lines);
        Assert.Contains("com.microsoft;1;FusedConv,FusedGemm", lines);

        var typed = File.ReadAllLines(Path.Combine(package.Folder, "required_operators_and_types.config"));
        Assert.Equal(plain[..3], typed[..3]);
        Assert.Contains("ai.onnx;13;Conv{\"inputs\": {\"0\": [\"float\"]}},Flatten,Gemm{\"inputs\": {\"0\": [\"float\"]}},", typed[3], StringComparison.Ordinal);
        Assert.DoesNotContain("{", string.Join("\n", plain[3..]), StringComparison.Ordinal);
    }

    [Fact]
    public void Int8_android_package_is_quantized_and_its_ort_models_keep_the_outputs()
    {
        using var model = Model.Load(_demo);
        var calibration = SampleSources.Open("random:8", model);
        var package = Packager.Package(_demo, _dir.File("android"), new PackageOptions { Target = PackageTarget.Android, Precision = PackagePrecision.Int8 }, calibration);

        Assert.All(package.Checks, c => Assert.True(c.Passed, $"{c.What}: {c.Detail}"));
        var typed = File.ReadAllText(Path.Combine(package.Folder, "required_operators_and_types.config"));
        Assert.Contains("QLinearConv", typed, StringComparison.Ordinal);
        Assert.True(package.Files.Single(f => f.Path == "model.ort").Bytes < 0.5 * new FileInfo(_demo).Length);
    }

    [Fact]
    public void Ios_package_reports_both_core_ml_formats_and_picks_the_better()
    {
        var package = Packager.Package(_demo, _dir.File("ios"), new PackageOptions { Target = PackageTarget.Ios, ShapeRanges = [FixedInput] });

        Assert.All(package.Checks, c => Assert.True(c.Passed, $"{c.What}: {c.Detail}"));
        Assert.Equal(["CoreML (MLProgram)", "CoreML (NeuralNetwork)"], package.Providers.Select(p => p.Provider));
        var program = package.Providers[0];
        var network = package.Providers[1];
        // Flatten is in the NeuralNetwork table only: ML Program splits around it, NeuralNetwork takes everything.
        Assert.Contains(program.Unsupported, n => n.OpType == "ai.onnx:Flatten");
        Assert.Equal(2, program.Partitions);
        Assert.Equal(ProviderSuitability.Maybe, program.Suitability);
        Assert.Equal(ProviderSuitability.Yes, network.Suitability);
        var swift = File.ReadAllText(Path.Combine(package.Folder, "ModelSession.swift"));
        Assert.Contains("\"ModelFormat\": \"NeuralNetwork\"", swift, StringComparison.Ordinal);
        Assert.Contains("\"MLComputeUnits\": \"CPUAndGPU\"", swift, StringComparison.Ordinal);
        Assert.Contains("appendCoreMLExecutionProvider(withOptionsV2:", swift, StringComparison.Ordinal);
        Assert.Contains("pod 'onnxruntime-objc', '~> " + package.OnnxRuntimeVersion + "'", File.ReadAllText(Path.Combine(package.Folder, "Podfile.snippet")), StringComparison.Ordinal);
        Assert.Contains("onnxruntime-swift-package-manager", File.ReadAllText(Path.Combine(package.Folder, "Package.swift.snippet")), StringComparison.Ordinal);
        var readme = File.ReadAllText(Path.Combine(package.Folder, "README.md"));
        Assert.Contains("## Only the device can verify", readme, StringComparison.Ordinal);
        Assert.Contains("## Verified on the machine that made this package", readme, StringComparison.Ordinal);
    }

    [Fact]
    public void Same_inputs_give_the_same_package_byte_for_byte_except_ort_hash_order()
    {
        var options = new PackageOptions { Target = PackageTarget.Android, ShapeRanges = [FixedInput] };
        var a = Packager.Package(_demo, _dir.File("a"), options);
        var b = Packager.Package(_demo, _dir.File("b"), options);

        // ONNX Runtime writes the .ort kernel-type table in absl hash-map order (salted per table and process), so those
        // bytes may be ordered differently; everything EdgeOpt writes is identical, and the .ort files hold the same model.
        static bool IsOrt(string path) => path.EndsWith(".ort", StringComparison.Ordinal) || path == "package.json";
        Assert.Equal(a.Files.Where(f => !IsOrt(f.Path)), b.Files.Where(f => !IsOrt(f.Path)));
        using var demo = Model.Load(_demo);
        var inputs = Enumerable.Range(0, 3).Select(i => (IReadOnlyDictionary<string, Tensor>)InputGenerator.Random(demo, 70 + i, new Dictionary<string, long> { ["N"] = 1 })).ToList();
        foreach (var ort in a.Files.Where(f => f.Path.EndsWith(".ort", StringComparison.Ordinal)))
        {
            Assert.Equal(ort.Bytes, b.Files.Single(f => f.Path == ort.Path).Bytes);
            var same = ModelEquivalence.CompareFiles(Path.Combine(a.Folder, ort.Path), Path.Combine(b.Folder, ort.Path), inputs);
            Assert.Equal(0, same.MaxAbsError);
        }
    }

    [GeneratedRegex(@"^(ai\.onnx|com\.microsoft|ai\.onnx\.ml);\d+;[A-Za-z0-9]+(,[A-Za-z0-9]+)*$")]
    private static partial Regex ConfigLine();
}
