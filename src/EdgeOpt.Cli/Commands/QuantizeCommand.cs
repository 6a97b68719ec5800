using System.CommandLine;
using System.Diagnostics;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt quantize MODEL -o OUT --type int8|int8-dynamic|fp16|int4 ...</c>: runs <see cref="Quantizer"/>, optionally
/// the accuracy-driven fallback search (<see cref="AccuracySearch"/>), evaluation and the per-tensor error report, then
/// writes the model (and plan/report) atomically. Every option and input is checked before anything is written; an
/// unmet accuracy target writes the best model found and exits 3.
/// </summary>
internal static class QuantizeCommand
{
    /// <summary>The library's defaults are the CLI's: each option's default is read from here.</summary>
    private static readonly QuantizerOptions Defaults = new();

    public static Command Create()
    {
        var model = new Argument<string?>("model") { Description = "The float32 .onnx model (or --input); never modified", Arity = ArgumentArity.ZeroOrOne };
        var input = new Option<string?>("--input", "-i") { Description = "The model to quantize (same as MODEL)", HelpName = "PATH" };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the quantized model (required)", HelpName = "PATH" };
        var type = new Option<string>("--type", "-t")
        {
            Description = "int8 (static QDQ, calibrated), int8-dynamic (MatMul/Gemm/Conv weights), fp16, or int4 (MatMul weights, MatMulNBits)",
            DefaultValueFactory = _ => TypeName(Defaults.Type),
            HelpName = "int8|int8-dynamic|fp16|int4",
        };
        var calib = new Option<string?>("--calib")
        {
            Description = "Calibration data for int8: an image folder, .npy/.npz/.pb file or folder, ONNX test_data_set folders, an IDX file, or 'random[:N]' (not representative)",
            HelpName = "DIR|FILE",
        };
        var samples = new Option<int?>("--samples") { Description = "Calibrate on at most N samples (default: all)", HelpName = "N" };
        var method = new Option<string>("--method")
        {
            Description = "int8 calibration: auto (per tensor the range with the least quantization error among minmax, percentiles, entropy and MSE-optimal; one pass), minmax, percentile, or entropy (TensorRT's KL)",
            DefaultValueFactory = _ => OptionFlags.Value(Defaults.Method),
            HelpName = "auto|minmax|percentile|entropy",
        };
        var biasCorrection = new Option<bool>("--bias-correction") { Description = "int8: subtract from each Conv/Gemm bias the mean output shift its weight rounding causes on the calibration data (one more pass)" };
        var equalize = new Option<bool>("--equalize") { Description = "int8: cross-layer range equalization of Conv→(Relu)→Conv pairs before calibration (exact in float, checked with ONNX Runtime); helps depthwise models" };
        var percentile = new Option<double>("--percentile") { Description = "Percentile method: share of values kept, in (0, 100]", DefaultValueFactory = _ => Defaults.Percentile, HelpName = "P" };
        var perChannel = new Option<bool>("--per-channel") { Description = "One weight scale per output channel (more accurate; upgrades the model to opset 13 for int8)" };
        var activationType = new Option<string>("--activation-type") { Description = "Integer type of int8 activations", DefaultValueFactory = _ => OptionFlags.Value(Defaults.ActivationType), HelpName = "uint8|int8" };
        var symmetric = new Option<bool>("--symmetric-activations") { Description = "Symmetric activation ranges (zero point in the middle)" };
        var excludeNodes = new Option<string[]>("--exclude-nodes") { Description = "Node names to keep in float, comma-separated", HelpName = "a,b" };
        var excludeOps = new Option<string[]>("--exclude-ops") { Description = "Operator types to keep in float, comma-separated (fp16: added to the block list)", HelpName = "Op1,Op2" };
        var keepIo = new Option<bool>("--keep-io-types") { Description = "fp16: keep float32 graph inputs and outputs" };
        var blockSize = new Option<int>("--block-size") { Description = "int4: weights per block (16..256, a power of two)", DefaultValueFactory = _ => Defaults.BlockSize, HelpName = "32|64|128" };
        var plan = new Option<string?>("--plan") { Description = "int8: apply this plan (JSON, from --save-plan, possibly edited) instead of calibrating", HelpName = "FILE" };
        var savePlan = new Option<string?>("--save-plan") { Description = "int8: write the applied plan (per tensor scale, zero point, precision) as JSON", HelpName = "FILE" };
        var eval = new Option<string?>("--eval") { Description = "Evaluation data (same forms as --calib): accuracy/fidelity before and after, and the data of the accuracy search", HelpName = "DIR|FILE" };
        var minAccuracy = new Option<double?>("--min-accuracy") { Description = "Fall back the most sensitive nodes to float until top-1 accuracy (percent) is at least X; needs --eval", HelpName = "X" };
        var maxDrop = new Option<double?>("--max-accuracy-drop") { Description = "Fall back nodes until top-1 drops at most X percentage points below float; needs --eval", HelpName = "X" };
        var budget = new Option<double?>("--time-budget") { Description = "Stop the accuracy search after S seconds with the best model so far", HelpName = "S" };
        var report = new Option<string?>("--report") { Description = "Write the per-tensor quantization error report (scale, range, clipped fraction, SQNR) as JSON", HelpName = "FILE" };
        var json = new Option<bool>("--json") { Description = "Write the summary as one JSON object on stdout, nothing else" };
        var data = new DataOptions();

        var command = new Command("quantize",
            "Quantize a float32 ONNX model: static INT8 in QDQ form (calibrated; ONNX Runtime fuses it into integer kernels), " +
            "dynamic INT8, FP16 or INT4 weight-only. Optionally evaluate it, search for the fewest float fallbacks that meet an " +
            "accuracy target, and write a per-tensor error report. Exit 3 when the target cannot be met (the best model is written).")
        {
            model, input, output, type, calib, samples, method, percentile, biasCorrection, equalize, perChannel, activationType, symmetric, excludeNodes, excludeOps,
            keepIo, blockSize, plan, savePlan, eval, minAccuracy, maxDrop, budget, report, json,
        };
        foreach (var option in data.All) command.Options.Add(option);

        CommandRunner.SetAction(command, (parse, context) =>
        {
            var request = new QuantizeRequest(
                Arguments.ResolveInput(parse.GetValue(model), parse.GetValue(input)),
                parse.GetValue(output) ?? throw new UsageException("missing output: give -o/--output PATH for the quantized model"),
                parse.GetValue(calib), parse.GetValue(eval), parse.GetValue(plan), parse.GetValue(savePlan), parse.GetValue(report),
                parse.GetValue(minAccuracy), parse.GetValue(maxDrop), parse.GetValue(budget));
            var options = new QuantizerOptions
            {
                Type = ParseType(parse.GetValue(type)!),
                Method = ParseMethod(parse.GetValue(method)!),
                Percentile = parse.GetValue(percentile),
                BiasCorrection = parse.GetValue(biasCorrection),
                Equalize = parse.GetValue(equalize),
                Samples = parse.GetValue(samples),
                PerChannel = parse.GetValue(perChannel),
                ActivationType = ParseActivationType(parse.GetValue(activationType)!),
                SymmetricActivations = parse.GetValue(symmetric),
                ExcludedNodes = Arguments.SplitNames(parse.GetValue(excludeNodes) ?? []),
                ExcludedOpTypes = Arguments.SplitNames(parse.GetValue(excludeOps) ?? []),
                KeepIoTypes = parse.GetValue(keepIo),
                BlockSize = parse.GetValue(blockSize),
            };
            return Run(context, parse, data, request, options, parse.GetValue(json));
        });
        return command;
    }

    private static int Run(CommandContext context, ParseResult parse, DataOptions data, QuantizeRequest request, QuantizerOptions options, bool asJson)
    {
        var total = Stopwatch.StartNew();
        var (inputPath, outputPath) = Arguments.InputAndOutput(request.Input, request.Output, "quantized model");
        var target = request.MinAccuracy is { } || request.MaxAccuracyDrop is { }
            ? new AccuracyTarget { MinAccuracy = request.MinAccuracy, MaxAccuracyDrop = request.MaxAccuracyDrop }
            : null;
        var searchOptions = new AccuracySearchOptions { TimeBudget = Arguments.Seconds(request.TimeBudgetSeconds, "--time-budget") };
        CheckRequest(request, options, target, searchOptions, inputPath);
        var labels = data.LoadLabels(parse);
        if (request.Plan is { } planPath) options = options with { Plan = QuantizationPlan.Load(planPath) };

        using var original = Model.Load(inputPath);
        var calibration = request.Calib is { } calib ? data.Open(parse, calib, original, "calibration") : null;
        var evaluation = request.Eval is { } evalSpec ? data.Open(parse, evalSpec, original, "evaluation") : null;
        evaluation?.CheckFits(original);
        if (labels is not null && evaluation is not null && labels.Count < evaluation.Count)
            throw new UsageException($"--labels has {labels.Count} labels but the evaluation data has {evaluation.Count} samples");

        var warnings = new List<string>();
        using var result = ProgressDisplay.WithBar<QuantizationProgress, QuantizationResult>(context, $"Quantizing {Path.GetFileName(inputPath)} to {TypeName(options.Type)}",
            p => (p.Stage, p.Done, p.Total), progress => new Quantizer(options).Quantize(original, calibration, progress ?? CalibrationLines(context, calibration)));
        warnings.AddRange(result.Warnings);
        foreach (var warning in result.Warnings) context.Error.WriteLine($"warning: {warning}");

        var clock = Stopwatch.StartNew();
        AccuracySearchResult? search = null;
        if (target is not null)
        {
            search = ProgressDisplay.WithStatus(context, "Searching for float fallbacks", status =>
                AccuracySearch.Run(result, evaluation!, target, searchOptions with { Labels = labels }, status));
        }
        var searchMs = clock.Elapsed.TotalMilliseconds;
        using var _ = search;
        var finalModel = search?.Model ?? result.Model;
        var finalPlan = search?.Plan ?? result.Plan;

        clock.Restart();
        QuantizeEvaluation? evaluated = null;
        if (evaluation is not null)
        {
            var measured = ProgressDisplay.WithStatus(context, $"Evaluating on {evaluation.Count:N0} samples", status =>
                ModelEvaluator.Evaluate(finalModel, evaluation, new EvaluationOptions { Reference = original, Labels = labels },
                    new InlineProgress<int>(done => status.Report($"Evaluating: {done:N0}/{evaluation.Count:N0} samples"))));
            evaluated = new QuantizeEvaluation(evaluation.Description, measured);
        }
        var evaluateMs = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        QuantizationErrorReport? errorReport = null;
        if (request.Report is not null)
        {
            var reportData = evaluation ?? calibration!;
            errorReport = ProgressDisplay.WithStatus(context, "Measuring per-tensor quantization error", _ =>
                QuantizationDebugger.Analyze(result.FloatModel, finalModel, finalPlan!, reportData, 100));
        }
        var reportMs = clock.Elapsed.TotalMilliseconds;

        // Everything is computed: only now is anything written (each file atomically).
        clock.Restart();
        finalModel.Save(outputPath);
        if (request.SavePlan is { } savePlanPath) finalPlan!.Save(savePlanPath);
        if (request.Report is { } reportPath) errorReport!.Save(reportPath);
        var writeMs = clock.Elapsed.TotalMilliseconds;

        var calibrated = result.Calibration;
        var summary = new QuantizeReport(
            inputPath, outputPath, TypeName(options.Type),
            FileSizes.Of(inputPath), FileSizes.Of(outputPath),
            search is null ? result.QuantizedNodes : Math.Max(0, result.QuantizedNodes - search.FallbackNodes.Count),
            search is null ? result.ExcludedNodes : [.. result.ExcludedNodes, .. search.FallbackNodes.Select(n => new ExcludedNode(n, "", "fell back to float by the accuracy search"))],
            calibrated is null || calibration is null ? null
                : new QuantizeCalibration(calibration.Description, calibrated.Method.ToString().ToLowerInvariant(), calibrated.Samples, calibration.IsRepresentative,
                    calibrated.RangeMethods.Values.GroupBy(m => m, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                        .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
                    result.EqualizedPairs, result.BiasCorrectedNodes),
            request.Plan is null ? null : Path.GetFullPath(request.Plan),
            request.SavePlan is null ? null : Path.GetFullPath(request.SavePlan),
            request.Report is null ? null : Path.GetFullPath(request.Report),
            evaluated,
            search is null ? null : new QuantizeSearch(search.Metric, search.RequiredAccuracy, search.TargetMet, search.BudgetExhausted,
                search.FloatAccuracy, search.InitialAccuracy, search.Accuracy, search.FallbackNodes, search.Steps, search.Sensitivity),
            new QuantizeTimings(
                result.OptimizeTime.TotalMilliseconds,
                calibrated?.InferenceTime.TotalMilliseconds ?? 0,
                calibrated?.StatisticsTime.TotalMilliseconds ?? 0,
                result.QuantizeTime.TotalMilliseconds,
                searchMs, evaluateMs, reportMs, writeMs, total.Elapsed.TotalMilliseconds),
            warnings);

        if (asJson) CommandRunner.WriteJson(context, summary);
        else QuantizeRenderer.Render(context.Console, summary);

        search?.ThrowIfTargetNotMet(writtenTo: outputPath);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Refuses, before the model is read, option combinations that cannot work (the library's rules,
    /// <see cref="QuantizerOptions.Validate"/>, every problem at once) and output paths that cannot be written.
    /// </summary>
    private static void CheckRequest(QuantizeRequest request, QuantizerOptions options, AccuracyTarget? target, AccuracySearchOptions search, string inputPath)
    {
        // Only whether a plan is given matters to the rules; the file is read once they hold.
        InvalidOptionsException.ThrowIfAny((options with { Plan = request.Plan is null ? null : new QuantizationPlan() }).Validate(new QuantizationWorkflow
        {
            CalibrationData = request.Calib is not null,
            EvaluationData = request.Eval is not null,
            AccuracyTarget = target,
            AccuracySearch = search,
            SavesPlan = request.SavePlan is not null,
            ErrorReport = request.Report is not null,
        }));
        foreach (var path in new[] { request.SavePlan, request.Report }.OfType<string>())
        {
            var full = Path.GetFullPath(path);
            if (string.Equals(full, inputPath, StringComparison.Ordinal))
                throw new UsageException($"'{path}' is the input model; choose another path");
            if (!Directory.Exists(Path.GetDirectoryName(full)))
                throw new DirectoryNotFoundException($"folder of '{path}' does not exist");
        }
    }

    private static QuantizationType ParseType(string text) => text.ToLowerInvariant() switch
    {
        "int8" => QuantizationType.Int8,
        "int8-dynamic" or "dynamic" => QuantizationType.Int8Dynamic,
        "fp16" or "float16" => QuantizationType.Float16,
        "int4" => QuantizationType.Int4,
        _ => throw new UsageException($"--type '{text}': expected int8, int8-dynamic, fp16 or int4"),
    };

    // Without a terminal (no progress bar) calibration still says what it runs on stderr: a line once the first sample has
    // gone through (so bad data fails with its one error line alone), then one every tenth of the way.
    private static IProgress<QuantizationProgress>? CalibrationLines(CommandContext context, ISampleSource? calibration)
    {
        if (calibration is null) return null;
        var lastTenth = -1;
        return new InlineProgress<QuantizationProgress>(p =>
        {
            if (p.Stage != "calibrating" || p.Done < 1 || p.Total < 1) return;
            if (lastTenth < 0) context.Error.WriteLine($"calibrating: {p.Total:N0} sample runs on {calibration.Description}");
            var tenth = (int)(10L * p.Done / p.Total);
            if (tenth <= lastTenth) return;
            lastTenth = tenth;
            context.Error.WriteLine($"calibrating: {p.Done:N0}/{p.Total:N0}");
        });
    }

    internal static string TypeName(QuantizationType type) => OptionFlags.Value(type);

    private static CalibrationMethod ParseMethod(string text) => text.ToLowerInvariant() switch
    {
        "minmax" => CalibrationMethod.MinMax,
        "percentile" => CalibrationMethod.Percentile,
        "entropy" => CalibrationMethod.Entropy,
        "auto" => CalibrationMethod.Auto,
        _ => throw new UsageException($"--method '{text}': expected auto, minmax, percentile or entropy"),
    };

    private static QuantizedPrecision ParseActivationType(string text) => text.ToLowerInvariant() switch
    {
        "uint8" => QuantizedPrecision.UInt8,
        "int8" => QuantizedPrecision.Int8,
        _ => throw new UsageException($"--activation-type '{text}': expected uint8 or int8"),
    };

    private sealed record QuantizeRequest(
        string Input, string Output, string? Calib, string? Eval, string? Plan, string? SavePlan, string? Report,
        double? MinAccuracy, double? MaxAccuracyDrop, double? TimeBudgetSeconds);
}
