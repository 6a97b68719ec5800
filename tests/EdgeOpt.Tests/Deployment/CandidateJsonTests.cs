using EdgeOpt.Data;
using EdgeOpt.Deployment;
using EdgeOpt.Devices;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Deployment;

public class CandidateJsonTests
{
    private static readonly string ShaA = new('a', 64), ShaB = new('b', 64), ShaC = new('c', 64), ShaD = new('d', 64);

    internal static CandidateSpec Spec => new()
    {
        ModelPath = "models/resnet18.onnx",
        ModelSha256 = ShaA,
        Device = "pixel-7",
        DeviceSha256 = ShaB,
        Precision = CandidatePrecision.Mixed,
        PerChannel = true,
        OptimizationLevel = GraphOptimization.Extended,
        Threads = 2,
        BatchSize = 4,
        Backend = AccelerationBackend.Xnnpack,
        Data = new CandidateData
        {
            Path = "data/images",
            Sha256 = ShaC,
            LabelsPath = "data/labels.txt",
            LabelsSha256 = ShaD,
            Image = ImagePreprocessing.Preset("imagenet") with { Width = 256, Height = 256 },
            Samples = 200,
            CalibrationSamples = 100,
        },
        MixedTargetAccuracy = 0.95,
        LatencyRuns = 30,
        ToolVersion = "0.1.0+abc",
    };

    [Fact]
    public void A_spec_survives_its_JSON_form_with_every_field_and_its_key()
    {
        var spec = Spec;
        var json = spec.ToJson();
        var back = CandidateSpec.Parse(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(spec.ComputeKey(), back.ComputeKey());
        Assert.Equal(2, back.Threads);
        Assert.Equal([0.485f, 0.456f, 0.406f], back.Data!.Image!.Mean!);
        Assert.Equal(ResizeMode.CenterCrop, back.Data.Image.Resize);
        // camelCase names, enums as their names.
        Assert.Contains("\"precision\": \"Mixed\"", json, StringComparison.Ordinal);
        Assert.Contains("\"backend\": \"Xnnpack\"", json, StringComparison.Ordinal);
        Assert.Contains("\"calibrationSamples\": 100", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Absent_optional_fields_keep_the_records_defaults_not_zero()
    {
        var json = $$"""{ "modelPath": "m.onnx", "modelSha256": "{{ShaA}}", "device": "pixel-7", "deviceSha256": "{{ShaB}}", "precision": "Int8Static", "toolVersion": "1", "data": { "path": "d", "sha256": "{{ShaC}}" } }""";
        var spec = CandidateSpec.Parse(json);
        Assert.Equal(1, spec.Threads);
        Assert.Equal(1, spec.BatchSize);
        Assert.True(spec.PerChannel);
        Assert.Equal(GraphOptimization.All, spec.OptimizationLevel);
        Assert.Equal(CandidateSpec.DefaultLatencyRuns, spec.LatencyRuns);
        Assert.Equal(100, spec.Data!.CalibrationSamples);
    }

    [Fact]
    public void A_result_survives_its_JSON_form()
    {
        var spec = Spec;
        var result = new CandidateResult
        {
            Spec = spec, Key = spec.ComputeKey(), Label = "mixed", Status = CandidateStatus.Evaluated, SizeBytes = 123, MeasuredAccuracy = 0.91,
            MeasuredBaselineAccuracy = 0.92, EvaluationSamples = 200, MeasuredCosine = 0.999, MeasuredTop1Agreement = 0.98, MeasuredLatencyP50Ms = 1.5,
            MeasuredLatencyP90Ms = 2.5, MeasuredBaselineP50Ms = 3, MeasuredPeakMemoryBytes = 1 << 20, EstimatedLatencyMs = 4.25,
            EstimatedMemoryBytes = 5 << 20, EstimatedUnit = "CPU Cortex-X1", FitsDeviceClass = true, InitialLoadBytes = 99,
            Sensitivity = [new LayerSensitivity("conv1", "Conv", 0.8, 11.5)], FloatNodes = ["conv1"], Command = "edgeopt quantize m.onnx",
            EvaluationSeconds = 12.5, Host = "host", Notes = ["a note"],
        };
        var json = result.ToJson();
        var back = CandidateResult.Parse(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(result.Key, back.Key);
        Assert.Equal(new LayerSensitivity("conv1", "Conv", 0.8, 11.5), back.Sensitivity.Single());
        Assert.Equal(0.999, back.MeasuredCosine);
        Assert.Contains("\"status\": \"Evaluated\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_is_stable_and_every_field_that_decides_the_result_changes_it()
    {
        var spec = Spec;
        var key = spec.ComputeKey();
        Assert.Equal(64, key.Length);
        Assert.Equal(key, Spec.ComputeKey());
        Assert.Equal(key, CandidateSpec.Parse(spec.ToJson()).ComputeKey());

        var data = spec.Data!;
        CandidateSpec[] changed =
        [
            spec with { ModelSha256 = ShaD }, spec with { DeviceSha256 = ShaD }, spec with { Precision = CandidatePrecision.Int8Static, MixedTargetAccuracy = null },
            spec with { PerChannel = false }, spec with { OptimizationLevel = GraphOptimization.All }, spec with { Threads = 1 },
            spec with { BatchSize = 1 }, spec with { Backend = AccelerationBackend.Cpu }, spec with { MixedTargetAccuracy = 0.9 },
            spec with { MixedTargetAccuracy = null, MixedMaxAccuracyDrop = 1 }, spec with { LatencyRuns = 10 }, spec with { ToolVersion = "0.2.0" },
            spec with { Data = null }, spec with { Data = data with { Sha256 = ShaA } }, spec with { Data = data with { LabelsSha256 = ShaA } },
            spec with { Data = data with { Samples = 0 } }, spec with { Data = data with { CalibrationSamples = 50 } },
            spec with { Data = data with { Image = data.Image! with { Std = [0.5f] } } }, spec with { Data = data with { Image = null } },
        ];
        var keys = changed.Select(s => s.ComputeKey()).ToList();
        Assert.DoesNotContain(key, keys);
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());

        // Paths and the device's spelling are not content: the hashes stand for them, so a moved file keeps its results.
        Assert.Equal(key, (spec with { ModelPath = "/elsewhere/resnet.onnx", Device = "Pixel 7", Data = data with { Path = "/x", LabelsPath = "/y" } }).ComputeKey());
    }

    [Fact]
    public void An_unknown_field_is_refused_on_one_line_naming_it()
    {
        var json = Spec.ToJson().Replace("\"threads\": 2", "\"threads\": 2, \"thraeds\": 3", StringComparison.Ordinal);
        var e = Assert.Throws<DataFormatException>(() => CandidateSpec.Parse(json));
        Assert.Contains("thraeds", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);

        var result = Assert.Throws<DataFormatException>(() => CandidateResult.Parse("{ \"spec\": " + Spec.ToJson() + ", \"colour\": 1 }"));
        Assert.Contains("colour", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_kinds_and_missing_fields_are_refused_naming_the_field()
    {
        var wrongKind = Assert.Throws<DataFormatException>(() => CandidateSpec.Parse(Spec.ToJson().Replace("\"threads\": 2", "\"threads\": \"two\"", StringComparison.Ordinal)));
        Assert.Contains("threads", wrongKind.Message, StringComparison.Ordinal);
        var badEnum = Assert.Throws<DataFormatException>(() => CandidateSpec.Parse(Spec.ToJson().Replace("\"Mixed\"", "\"Int9\"", StringComparison.Ordinal)));
        Assert.Contains("precision", badEnum.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<DataFormatException>(() => CandidateSpec.Parse($$"""{ "modelPath": "m.onnx", "device": "pixel-7", "deviceSha256": "{{ShaB}}", "precision": "Fp32", "toolVersion": "1" }"""));
        Assert.Contains("modelSha256", missing.Message, StringComparison.Ordinal);
        Assert.Throws<DataFormatException>(() => CandidateSpec.Parse("not json"));
    }

    [Fact]
    public void Values_out_of_range_are_refused_naming_the_member()
    {
        var e = Assert.Throws<InvalidOptionsException>(() => CandidateSpec.Parse((Spec with { Threads = 0, MixedTargetAccuracy = 1.5 }).ToJson()));
        Assert.Contains(e.Problems, p => p.Option == "CandidateSpec.Threads");
        Assert.Contains(e.Problems, p => p.Option == "CandidateSpec.MixedTargetAccuracy");
        Assert.Contains((Spec with { Precision = CandidatePrecision.Fp16 }).Validate(), p => p.Option == "CandidateSpec.MixedTargetAccuracy");
        Assert.Contains((Spec with { MixedTargetAccuracy = null }).Validate(), p => p.Message.Contains("needs an accuracy target", StringComparison.Ordinal));
        Assert.Contains((Spec with { ModelSha256 = "ABC" }).Validate(), p => p.Option == "CandidateSpec.ModelSha256");
        Assert.Empty(Spec.Validate());
    }

    [Fact]
    public void Reading_flags_rebuild_the_image_settings_from_the_nearest_preset()
    {
        Assert.Equal(["--preset", "imagenet", "--size", "256x256", "--labels", "data/labels.txt"], Spec.Data!.ReadingFlags());
        var plain = new CandidateData { Path = "d", Sha256 = ShaC, Image = new ImagePreprocessing { Width = 28, Height = 28, Color = ImageColor.Grayscale, Scale = 1f } };
        Assert.Equal(["--preset", "mnist", "--pixel-scale", "1"], plain.ReadingFlags());
        var bgr = new CandidateData { Path = "d", Sha256 = ShaC, Image = new ImagePreprocessing { Color = ImageColor.Rgb, Bgr = true, Mean = [0.5f] } };
        Assert.Equal(["--mean", "0.5", "--color", "bgr"], bgr.ReadingFlags());
    }
}
