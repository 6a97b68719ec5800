using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;

namespace EdgeOpt.Tests.Quantization;

/// <summary>
/// <see cref="QuantizerOptions.Validate"/>, the one home of the quantization option rules: every problem at once,
/// each naming its option and what is allowed; <see cref="Quantizer"/>, <see cref="AccuracySearch"/> and
/// <see cref="QuantizationDebugger"/> refuse through it before doing any work.
/// </summary>
public sealed class QuantizerOptionsValidationTests
{
    [Fact]
    public void Defaults_with_calibration_data_are_valid_and_so_is_every_type_without()
    {
        Assert.Empty(new QuantizerOptions().Validate(new QuantizationWorkflow { CalibrationData = true }));
        foreach (var type in new[] { QuantizationType.Int8Dynamic, QuantizationType.Float16, QuantizationType.Int4 })
            Assert.Empty(new QuantizerOptions { Type = type }.Validate());
        Assert.Empty(new QuantizerOptions { Plan = new QuantizationPlan() }.Validate(new QuantizationWorkflow { SavesPlan = true, ErrorReport = true, EvaluationData = true }));
    }

    [Fact]
    public void Every_problem_is_reported_at_once_each_naming_its_option()
    {
        var options = new QuantizerOptions
        {
            Type = QuantizationType.Float16,
            Samples = 0,
            Percentile = 150,
            BlockSize = 48,
            Equalize = true,
            Plan = new QuantizationPlan(),
        };
        var workflow = new QuantizationWorkflow
        {
            CalibrationData = true,
            ErrorReport = true,
            AccuracyTarget = new AccuracyTarget { MinAccuracy = 120, MaxAccuracyDrop = 1 },
            AccuracySearch = new AccuracySearchOptions { TimeBudget = TimeSpan.Zero },
        };

        var problems = options.Validate(workflow);

        Assert.Equal(
        [
            "QuantizerOptions.Samples",
            "QuantizerOptions.Percentile",
            "QuantizerOptions.BlockSize",
            "QuantizerOptions.Plan",                  // plans are int8 static
            "QuantizerOptions.BiasCorrection",        // so are equalization and bias correction
            "QuantizationWorkflow.CalibrationData",   // fp16 needs no calibration
            "AccuracyTarget.MinAccuracy",             // both bounds
            "AccuracyTarget.MinAccuracy",             // out of range
            "AccuracyTarget.MinAccuracy",             // no evaluation data
            "AccuracyTarget.MinAccuracy",             // the search is int8 only
            "AccuracySearchOptions.TimeBudget",
            "QuantizationWorkflow.ErrorReport",       // int8 only
        ], problems.Select(p => p.Option));
        var messages = problems.Select(p => p.Message).ToList();
        Assert.Contains("Samples 0: expected a positive number", messages);
        Assert.Contains("Percentile 150: expected a value in (0, 100]", messages);
        Assert.Contains("BlockSize 48: expected a power of two from 16 to 256 (32, 64 or 128 are usual)", messages);
        Assert.Contains("BiasCorrection and Equalize adjust int8 static quantization; not available for Type Float16", messages);
        Assert.Contains("CalibrationData is for int8 static quantization; Type Float16 needs no calibration", messages);
        Assert.Contains("give either MinAccuracy or MaxAccuracyDrop, not both", messages);
        Assert.Contains("MinAccuracy 120: expected a top-1 accuracy in percent, 0 to 100, not 120", messages);
        Assert.Contains("TimeBudget 0 s: expected a positive number of seconds", messages);
    }

    [Fact]
    public void Int8_needs_calibration_data_or_a_plan_and_equalization_needs_data()
    {
        var missing = Assert.Single(new QuantizerOptions().Validate());
        Assert.Equal("Type Int8 needs calibration data: CalibrationData (random data only for a non-representative smoke test), or Plan", missing.Message);

        var equalize = Assert.Single(new QuantizerOptions { Equalize = true, Plan = new QuantizationPlan() }.Validate());
        Assert.Equal("Equalize runs on calibration data: give CalibrationData", equalize.Message);
    }

    [Fact]
    public void Out_of_range_enum_values_name_the_allowed_ones()
    {
        var problems = new QuantizerOptions { Type = (QuantizationType)9, Method = (CalibrationMethod)9, ActivationType = QuantizedPrecision.Int32 }.Validate();

        Assert.Contains("Type 9: expected Int8, Int8Dynamic, Float16 or Int4", problems.Select(p => p.Message));
        Assert.Contains("Method 9: expected Auto, MinMax, Percentile or Entropy", problems.Select(p => p.Message));
        Assert.Contains("ActivationType Int32: expected UInt8 or Int8", problems.Select(p => p.Message));
    }

    [Fact]
    public void A_host_names_options_its_own_way()
    {
        var problem = Assert.Single(new QuantizerOptions { Type = QuantizationType.Int4, BiasCorrection = true }.Validate());

        Assert.Equal("BiasCorrection and Equalize adjust int8 static quantization; not available for Type Int4", problem.Message);
        Assert.Equal("--bias-correction and --equalize adjust int8 static quantization; not available for --type int4", problem.Format(OptionFlags.Name));
    }

    [Fact]
    public void The_quantizer_refuses_with_every_problem_before_reading_the_model()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var quantizer = new Quantizer(new QuantizerOptions { Type = QuantizationType.Int4, BlockSize = 7, Samples = -1, Equalize = true });

        var e = Assert.Throws<InvalidOptionsException>(() => quantizer.Quantize(model));

        Assert.Equal(["QuantizerOptions.Samples", "QuantizerOptions.BlockSize", "QuantizerOptions.BiasCorrection"], e.Problems.Select(p => p.Option));
        Assert.Equal(string.Join("; ", e.Problems.Select(p => p.Message)), e.Message);
        Assert.IsAssignableFrom<UsageException>(e); // still a usage error for callers that catch those
    }

    [Fact]
    public void Calibration_data_given_to_a_weight_only_type_is_refused()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var data = new EdgeOpt.Data.InMemorySampleSource([]);

        var e = Assert.Throws<InvalidOptionsException>(() => new Quantizer(new QuantizerOptions { Type = QuantizationType.Int8Dynamic }).Quantize(model, data));

        Assert.Equal("QuantizationWorkflow.CalibrationData", Assert.Single(e.Problems).Option);
    }
}
