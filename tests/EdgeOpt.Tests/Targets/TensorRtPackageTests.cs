using System.Diagnostics;
using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Targets;
using EdgeOpt.Targets.TensorRt;

namespace EdgeOpt.Tests.Targets;

/// <summary>ResNet18 packaged for Jetson at INT8 (8 calibration samples), once for the facts below.</summary>
public sealed class TensorRtInt8PackageTests(TensorRtInt8PackageTests.Fixture fixture) : IClassFixture<TensorRtInt8PackageTests.Fixture>
{
    public sealed class Fixture : IDisposable
    {
        private readonly TempDir _temp = new();

        public Fixture()
        {
            using var model = Model.Load(Fixtures.ResNet18);
            Package = Packager.Package(Fixtures.ResNet18, Folder, new PackageOptions { Target = PackageTarget.Jetson, Precision = PackagePrecision.Int8, CalibrationSamples = 8 },
                SampleSources.Open("random:8", model));
        }

        public string Folder => _temp.File("resnet18-jetson-int8");

        public PlatformPackage Package { get; }

        public string File(string name) => Path.Combine(Folder, name);

        public void Dispose() => _temp.Dispose();
    }

    [Fact]
    public void The_package_holds_both_models_both_caches_the_script_options_and_readme_and_every_check_passed()
    {
        Assert.Equal(
            ["README.md", "build_engine.sh", "model.float.onnx", "model.onnx", "package.json", "tensorrt_options.calibrated.json", "tensorrt_options.json",
             "trt_cache/calibration.cache", "trt_cache/calibration.flatbuffers"],
            fixture.Package.Files.Select(f => f.Path));
        Assert.All(fixture.Package.Checks, c => Assert.True(c.Passed, $"{c.What}: {c.Detail}"));
        Assert.Contains(fixture.Package.Checks, c => c.What.StartsWith("model.onnx loads in ONNX Runtime", StringComparison.Ordinal));
        Assert.Contains(fixture.Package.Checks, c => c.What.Contains("calibration.cache reads back", StringComparison.Ordinal));
        Assert.Contains(fixture.Package.Checks, c => c.What.Contains("calibration.flatbuffers (FlatBuffers TrtTable) reads back", StringComparison.Ordinal));
        Assert.Contains(fixture.Package.DeviceOnly, d => d.StartsWith("building the TensorRT engine", StringComparison.Ordinal));
        Assert.Contains(fixture.Package.DeviceOnly, d => d.StartsWith("INT8 accuracy", StringComparison.Ordinal));
        var report = Assert.Single(fixture.Package.Providers);
        Assert.Equal("TensorRT", report.Provider);
        Assert.Equal(ProviderSuitability.Yes, report.Suitability);
        Assert.Contains("Building the TensorRT engine needs the device", File.ReadAllText(fixture.File("README.md")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Model_onnx_dequantizes_only_activations_as_TensorRTs_parser_requires()
    {
        using var model = Model.Load(fixture.File("model.onnx"));
        var dequantize = model.Graph.Nodes.Where(n => n.OpType == "DequantizeLinear").ToList();

        Assert.NotEmpty(dequantize);
        Assert.All(dequantize, dq => Assert.Null(dq.Inputs[0]!.Initializer));
        // Weights: float constant → QuantizeLinear → DequantizeLinear; biases plain float.
        var conv = model.Graph.Nodes.First(n => n.OpType == "Conv");
        var weightQ = conv.Inputs[1]!.Producer!.Inputs[0]!.Producer!;
        Assert.Equal("QuantizeLinear", weightQ.OpType);
        Assert.Equal(DataType.Float, weightQ.Inputs[0]!.Initializer!.DataType);
        Assert.All(model.Graph.Nodes.Where(n => n.OpType == "Conv" && n.Inputs.Count > 2), c => Assert.Equal(DataType.Float, c.Inputs[2]!.Initializer?.DataType));

        using var floatModel = Model.Load(fixture.File("model.float.onnx"));
        Assert.DoesNotContain(floatModel.Graph.Nodes, n => n.OpType is "QuantizeLinear" or "DequantizeLinear");
    }

    [Fact]
    public void Both_caches_hold_the_activation_scales_of_model_onnx_and_name_tensors_of_the_float_model()
    {
        var (header, native) = NativeCalibrationCache.Read(File.ReadAllText(fixture.File("trt_cache/calibration.cache")));
        var table = OrtCalibrationTable.Read(File.ReadAllBytes(fixture.File("trt_cache/calibration.flatbuffers"))).ToDictionary(p => p.Key, p => p.Value);
        using var model = Model.Load(fixture.File("model.onnx"));
        using var floatModel = Model.Load(fixture.File("model.float.onnx"));
        var floatTensors = floatModel.Graph.Values().Select(v => v.Name).ToHashSet();

        Assert.Equal("TRT-100300-EntropyCalibration2", header);
        Assert.Equal(native.Keys.Order(), table.Keys.Order());
        var activations = model.Graph.Nodes.Where(n => n.OpType == "QuantizeLinear" && n.Inputs[0]!.Initializer is null).ToList();
        Assert.NotEmpty(activations);
        foreach (var q in activations)
        {
            var name = q.Inputs[0]!.Name;
            var scale = q.Inputs[1]!.Initializer!.ToSingleArray().Single();
            Assert.True(Math.Abs(table[name] / 127f - scale) <= scale * 1e-6, $"{name}: table {table[name]} vs scale {scale}");
            Assert.True(Math.Abs(native[name] / 127f - scale) <= scale * 1e-6, $"{name}: native {native[name]} vs scale {scale}");
            Assert.Contains(name, floatTensors);
        }
    }

    [Fact]
    public void Build_engine_sh_is_valid_bash_checks_for_trtexec_and_builds_either_int8_engine()
    {
        var script = File.ReadAllText(fixture.File("build_engine.sh"));

        TensorRtPackageTests.AssertBashSyntax(fixture.File("build_engine.sh"));
        Assert.StartsWith("#!/usr/bin/env bash\n", script, StringComparison.Ordinal);
        Assert.Contains("/usr/src/tensorrt/bin/trtexec", script, StringComparison.Ordinal);
        Assert.Contains("command -v trtexec", script, StringComparison.Ordinal);
        Assert.Contains("--onnx=model.onnx \\\n      --int8 \\\n      --fp16", script, StringComparison.Ordinal);
        Assert.Contains("--onnx=model.float.onnx \\\n      --int8 \\\n      --fp16 \\\n      --calib=\"$calib\"", script, StringComparison.Ordinal);
        Assert.Contains("--saveEngine=trt_cache/model.engine", script, StringComparison.Ordinal);
        Assert.Contains("--timingCacheFile=trt_cache/timing.cache", script, StringComparison.Ordinal);
        Assert.Contains("--memPoolSize=workspace:2048", script, StringComparison.Ordinal); // Orin Nano 8 GB
        Assert.DoesNotContain("--sparsity", script, StringComparison.Ordinal);
        Assert.DoesNotContain("Shapes=", script, StringComparison.Ordinal);
    }

    [Fact]
    public void The_power_estimate_runs_on_the_TensorRT_form_of_an_INT8_model()
    {
        Assert.True(DeviceCatalog.TryFind("jetson-agx-orin", out var device));
        using var model = Model.Load(fixture.File("model.onnx"));

        var advice = PowerModeAdvice.For(device, model, Precision.Int8, new Dictionary<string, long>());

        Assert.Equal("MAXN", advice.Mode);
        Assert.Contains("Estimated by EdgeOpt.Power for the GPU at INT8", advice.Markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void The_options_files_name_ORTs_TensorRT_EP_options_and_only_the_float_model_gets_a_calibration_table()
    {
        var options = TensorRtOptions.Read(File.ReadAllText(fixture.File("tensorrt_options.json")));
        var calibrated = TensorRtOptions.Read(File.ReadAllText(fixture.File("tensorrt_options.calibrated.json")));

        Assert.Equal("1", options["trt_int8_enable"]);
        Assert.Equal("1", options["trt_fp16_enable"]);
        Assert.Equal("1", options["trt_engine_cache_enable"]);
        Assert.Equal("trt_cache", options["trt_engine_cache_path"]);
        Assert.Equal("1", options["trt_timing_cache_enable"]);
        Assert.Equal("trt_cache", options["trt_timing_cache_path"]);
        Assert.Equal((2048L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), options["trt_max_workspace_size"]);
        Assert.False(options.ContainsKey("trt_int8_calibration_table_name"));
        Assert.Equal("calibration.flatbuffers", calibrated["trt_int8_calibration_table_name"]);
        Assert.Equal("0", calibrated["trt_int8_use_native_calibration_table"]);
        Assert.True(File.Exists(Path.Combine(fixture.Folder, calibrated["trt_engine_cache_path"], calibrated["trt_int8_calibration_table_name"])));
        Assert.Equal(options.Keys.Order(StringComparer.Ordinal), options.Keys); // written sorted
    }
}

/// <summary>Jetson packages through <see cref="Packager"/>: shapes, refusals, sparsity, determinism.</summary>
public class TensorRtPackageTests
{
    private static readonly PackageOptions Jetson = new() { Target = PackageTarget.Jetson };

    private static string DemoModel(TempDir temp)
    {
        var path = temp.File("fashion-cnn.onnx");
        File.WriteAllBytes(path, DemoAssets.ModelBytes());
        return path;
    }

    internal static void AssertBashSyntax(string script)
    {
        using var bash = Process.Start(new ProcessStartInfo("bash", ["-n", script]) { RedirectStandardError = true })!;
        var errors = bash.StandardError.ReadToEnd();
        bash.WaitForExit();
        Assert.True(bash.ExitCode == 0, $"bash -n {Path.GetFileName(script)}: {errors}");
    }

    [Fact]
    public void A_dynamic_input_without_a_shape_range_is_refused_naming_the_input_and_dim()
    {
        using var temp = new TempDir();
        var model = DemoModel(temp);

        var e = Assert.Throws<UsageException>(() => Packager.Package(model, temp.File("out"), Jetson));

        Assert.StartsWith("input 'input' dim 0 ('N') is dynamic", e.Message, StringComparison.Ordinal);
        Assert.Contains("--shape-range input=1x1x28x28:1x1x28x28:8x1x28x28", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(Directory.Exists(temp.File("out")));
    }

    [Fact]
    public void Int8_dynamic_is_refused_because_the_TensorRT_EP_has_no_dynamic_quantization()
    {
        using var temp = new TempDir();
        var model = DemoModel(temp);

        var e = Assert.Throws<UsageException>(() => Packager.Package(model, temp.File("out"), Jetson with { Precision = PackagePrecision.Int8Dynamic }));

        Assert.Equal("--precision int8-dynamic cannot run on jetson: the TensorRT execution provider lacks dynamic quantization (DynamicQuantizeLinear / MatMulInteger / ConvInteger)", e.Message);
    }

    [Fact]
    public void A_min_opt_max_range_becomes_the_optimization_profile_of_trtexec_and_the_TensorRT_EP()
    {
        using var temp = new TempDir();
        var output = temp.File("out");

        var package = Packager.Package(DemoModel(temp), output, Jetson with
        {
            Precision = PackagePrecision.Fp16,
            ShapeRanges = [ShapeRange.Parse("input=1x1x28x28:4x1x28x28:16x1x28x28")],
        });

        Assert.All(package.Checks, c => Assert.True(c.Passed, $"{c.What}: {c.Detail}"));
        var script = File.ReadAllText(Path.Combine(output, "build_engine.sh"));
        AssertBashSyntax(Path.Combine(output, "build_engine.sh"));
        Assert.Contains("--fp16", script, StringComparison.Ordinal);
        Assert.DoesNotContain("--int8", script, StringComparison.Ordinal);
        Assert.Contains("--minShapes=\"input:1x1x28x28\"", script, StringComparison.Ordinal);
        Assert.Contains("--optShapes=\"input:4x1x28x28\"", script, StringComparison.Ordinal);
        Assert.Contains("--maxShapes=\"input:16x1x28x28\"", script, StringComparison.Ordinal);
        var options = TensorRtOptions.Read(File.ReadAllText(Path.Combine(output, "tensorrt_options.json")));
        Assert.Equal("input:1x1x28x28", options["trt_profile_min_shapes"]);
        Assert.Equal("input:4x1x28x28", options["trt_profile_opt_shapes"]);
        Assert.Equal("input:16x1x28x28", options["trt_profile_max_shapes"]);
        Assert.Equal("1", options["trt_fp16_enable"]);
        Assert.Equal("0", options["trt_int8_enable"]);
        using var model = Model.Load(Path.Combine(output, "model.onnx"));
        Assert.Equal("N", model.Graph.Inputs[0].Shape![0].Symbol);
    }

    [Fact]
    public void A_single_shape_range_is_written_into_the_model_and_the_package_is_byte_for_byte_reproducible()
    {
        using var temp = new TempDir();
        var model = DemoModel(temp);
        var options = Jetson with { ShapeRanges = [ShapeRange.Parse("input=1x1x28x28")] };

        var first = Packager.Package(model, temp.File("a"), options);
        var second = Packager.Package(model, temp.File("b"), options);

        Assert.Equal(first.Files, second.Files);
        Assert.Equal(File.ReadAllBytes(Path.Combine(first.Folder, "package.json")), File.ReadAllBytes(Path.Combine(second.Folder, "package.json")));
        using var shipped = Model.Load(Path.Combine(first.Folder, "model.onnx"));
        Assert.Equal([1L, 1, 28, 28], shipped.Graph.Inputs[0].Shape!.Select(d => d.Value!.Value));
        var script = File.ReadAllText(Path.Combine(first.Folder, "build_engine.sh"));
        Assert.DoesNotContain("Shapes=", script, StringComparison.Ordinal);
        Assert.DoesNotContain("--fp16", script, StringComparison.Ordinal);
        Assert.Contains("nvpmodel -m", File.ReadAllText(Path.Combine(first.Folder, "README.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_with_nvpmodel_figures_gets_its_performance_mode_with_estimates_per_mode()
    {
        using var temp = new TempDir();

        var package = Packager.Package(DemoModel(temp), temp.File("out"), Jetson with { Device = "jetson-agx-orin", ShapeRanges = [ShapeRange.Parse("input=1x1x28x28")] });

        var readme = File.ReadAllText(Path.Combine(package.Folder, "README.md"));
        Assert.Contains("nvpmodel mode **MAXN**", readme, StringComparison.Ordinal);
        Assert.Contains("NAME=MAXN >", readme, StringComparison.Ordinal);
        Assert.Contains("Estimated by EdgeOpt.Power", readme, StringComparison.Ordinal);
        Assert.Contains("| performance | MAXN |", readme, StringComparison.Ordinal);
        Assert.Contains(package.Notes, n => n.StartsWith("power mode: nvpmodel MAXN (estimated ", StringComparison.Ordinal));
        Assert.Contains("--memPoolSize=workspace:4096", File.ReadAllText(Path.Combine(package.Folder, "build_engine.sh")), StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_pruned_two_of_four_turn_sparsity_on_and_dense_weights_leave_it_off()
    {
        using var temp = new TempDir();
        using (var model = Model.Load(Fixtures.ResNet18))
        {
            // The CNTK export lists its weights as graph inputs; as constants they are what TensorRT sees.
            new PassManager([new RemoveInitializerInputs()], maxIterations: 1).Run(model);
            model.Save(temp.File("dense.onnx"));
            foreach (var node in model.Graph.Nodes.Where(n => n.OpType is "Conv" or "Gemm"))
            {
                var weight = node.Inputs[1]!;
                var dims = weight.Initializer!.Dims.ToArray();
                var axis = node.OpType == "Conv" ? 1 : node.Attributes["transB"]?.AsInt() == 1 ? 1 : 0;
                var values = weight.Initializer.ToSingleArray();
                long inner = 1;
                for (var d = axis + 1; d < dims.Length; d++) inner *= dims[d];
                for (var i = 0; i < values.Length; i++)
                    if (i / inner % dims[axis] % 4 >= 2) values[i] = 0; // channels 2 and 3 of every group of 4
                weight.Initializer = Tensor.Create<float>(weight.Name, values, dims);
            }
            model.Save(temp.File("sparse.onnx"));
        }

        var sparse = Packager.Package(temp.File("sparse.onnx"), temp.File("sparse"), Jetson with { Precision = PackagePrecision.Fp16 });
        var dense = Packager.Package(temp.File("dense.onnx"), temp.File("dense"), Jetson with { Precision = PackagePrecision.Fp16 });

        Assert.Contains("--sparsity=enable", File.ReadAllText(Path.Combine(sparse.Folder, "build_engine.sh")), StringComparison.Ordinal);
        Assert.Equal("1", TensorRtOptions.Read(File.ReadAllText(Path.Combine(sparse.Folder, "tensorrt_options.json")))["trt_sparsity_enable"]);
        Assert.Contains(sparse.Notes, n => n.StartsWith("2:4 structured sparsity in all 21 ", StringComparison.Ordinal));
        Assert.DoesNotContain("--sparsity", File.ReadAllText(Path.Combine(dense.Folder, "build_engine.sh")), StringComparison.Ordinal);
        Assert.All(sparse.Checks.Concat(dense.Checks), c => Assert.True(c.Passed, $"{c.What}: {c.Detail}"));
    }
}
