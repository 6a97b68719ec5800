using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Pruning;
using EdgeOpt.Runtime;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt prune MODEL -o OUT (--structured --target-macs F | --ratio F | --unstructured --sparsity F | --pattern N:M) ...</c>:
/// runs <see cref="Pruner"/> (structured channel pruning with dependency groups and optional least-squares
/// reconstruction, or unstructured/N:M sparsity with an optional second-order update), optionally evaluates the result
/// on held-out data, then writes the model atomically. Every option is checked before the model is read; an
/// unreachable MAC target is exit 3 with nothing written.
/// </summary>
internal static class PruneCommand
{
    /// <summary>The library's defaults are the CLI's.</summary>
    private static readonly PruningOptions Defaults = new();

    public static Command Create()
    {
        var model = new Argument<string?>("model") { Description = "The float32 .onnx model (or --input); never modified", Arity = ArgumentArity.ZeroOrOne };
        var input = new Option<string?>("--input", "-i") { Description = "The model to prune (same as MODEL)", HelpName = "PATH" };
        var output = new Option<string?>("--output", "-o") { Description = "Where to write the pruned model (required)", HelpName = "PATH" };
        var structured = new Option<bool>("--structured") { Description = "Remove whole channels with everything tied to them: a smaller, faster dense model (the default)" };
        var unstructured = new Option<bool>("--unstructured") { Description = "Zero individual weights (magnitude or N:M): same shapes, a smaller compressed download, no CPU speedup" };
        var targetMacs = new Option<double?>("--target-macs") { Description = "Structured: keep this fraction of the model's MACs, in (0, 1), e.g. 0.7", HelpName = "F" };
        var ratio = new Option<double?>("--ratio") { Description = "Structured: remove this fraction of the prunable channels, in (0, 1), spread over groups by sensitivity", HelpName = "F" };
        var importance = new Option<string>("--importance")
        {
            Description = "Structured: how channels are ranked: l1 or l2 norm of their weights, fpgm (geometric median), activation (mean |activation| on --data)",
            DefaultValueFactory = _ => OptionFlags.Value(Defaults.Importance),
            HelpName = "l1|l2|fpgm|activation",
        };
        var data = new Option<string?>("--data")
        {
            Description = "Calibration data (for --reconstruct, activation/wanda scores, --second-order, and the fidelity check): an image folder, .npy/.npz/.pb file or folder, ONNX test_data_set folders, an IDX file, or 'random[:N]' (not representative)",
            HelpName = "DIR|FILE",
        };
        var samples = new Option<int?>("--samples") { Description = "Use at most N samples of --data (default: all)", HelpName = "N" };
        var reconstruct = new Option<bool>("--reconstruct") { Description = "Structured: re-estimate BatchNormalization statistics and refit each next layer by least squares on --data (training-free recovery)" };
        var roundTo = new Option<int>("--round-to") { Description = "Structured: keep channel counts that are multiples of N (8 suits SIMD and tensor cores)", DefaultValueFactory = _ => Defaults.RoundTo, HelpName = "N" };
        var exclude = new Option<string[]>("--exclude") { Description = "Node names (or output names of unnamed nodes) never pruned, comma-separated", HelpName = "a,b" };
        var sensitivity = new Option<bool>("--sensitivity") { Description = "Structured: measure and print the output error of pruning each group alone" };
        var sparsity = new Option<double?>("--sparsity") { Description = "Unstructured: share of the weights of each pruned layer set to zero, in (0, 1), e.g. 0.5", HelpName = "F" };
        var pattern = new Option<string?>("--pattern") { Description = "Unstructured: an N:M pattern along the input dimension instead of free magnitude pruning (2:4 for NVIDIA sparse tensor cores)", HelpName = "N:M" };
        var score = new Option<string>("--score")
        {
            Description = "Unstructured: how weights are ranked: magnitude |w|, or wanda |w|·‖x‖ (needs --data)",
            DefaultValueFactory = _ => OptionFlags.Value(Defaults.Score),
            HelpName = "magnitude|wanda",
        };
        var scope = new Option<string>("--scope")
        {
            Description = "Unstructured: the same sparsity in every layer, or one global threshold (not with --pattern)",
            DefaultValueFactory = _ => OptionFlags.Value(Defaults.Scope),
            HelpName = "per-layer|global",
        };
        var secondOrder = new Option<bool>("--second-order") { Description = "Unstructured: one-shot second-order update on --data so the remaining weights compensate (SparseGPT / Optimal Brain Compression)" };
        var eval = new Option<string?>("--eval") { Description = "Held-out evaluation data (same forms as --data): top-1 with labels, and fidelity of the pruned model against the input", HelpName = "DIR|FILE" };
        var json = new Option<bool>("--json") { Description = "Write the summary as one JSON object on stdout, nothing else" };
        var reading = new DataOptions();

        var command = new Command("prune",
            "Prune an ONNX model without a training loop: structured (whole channels followed through the graph as dependency groups, " +
            "ranked by l1/l2/fpgm/activation, optionally recovered by least squares on calibration data) or unstructured (magnitude or " +
            "N:M such as 2:4, optionally with a second-order update). The result is run in ONNX Runtime against the input before it is " +
            "written. Exit 3 when the MAC target cannot be reached (nothing written).")
        {
            model, input, output, structured, unstructured, targetMacs, ratio, importance, data, samples, reconstruct, roundTo, exclude, sensitivity,
            sparsity, pattern, score, scope, secondOrder, eval, json,
        };
        foreach (var option in reading.All) command.Options.Add(option);

        CommandRunner.SetAction(command, (parse, context) =>
        {
            if (parse.GetValue(structured) && parse.GetValue(unstructured))
                throw new UsageException("--structured and --unstructured both given: choose one");
            var options = new PruningOptions
            {
                Kind = parse.GetValue(unstructured) ? PruningKind.Unstructured : PruningKind.Structured,
                TargetMacs = parse.GetValue(targetMacs),
                Ratio = parse.GetValue(ratio),
                Importance = ParseImportance(parse.GetValue(importance)!),
                Reconstruct = parse.GetValue(reconstruct),
                RoundTo = parse.GetValue(roundTo),
                ExcludedNodes = Arguments.SplitNames(parse.GetValue(exclude) ?? []),
                MeasureSensitivity = parse.GetValue(sensitivity),
                Sparsity = parse.GetValue(sparsity),
                Pattern = parse.GetValue(pattern) is { } text
                    ? SparsityPattern.TryParse(text) ?? throw new UsageException($"--pattern '{text}': expected N:M with 0 < N < M ≤ 64, e.g. 2:4")
                    : null,
                Score = ParseScore(parse.GetValue(score)!),
                Scope = ParseScope(parse.GetValue(scope)!),
                SecondOrderUpdate = parse.GetValue(secondOrder),
                Samples = parse.GetValue(samples),
            };
            var request = new PruneRequest(
                Arguments.ResolveInput(parse.GetValue(model), parse.GetValue(input)),
                parse.GetValue(output) ?? throw new UsageException("missing output: give -o/--output PATH for the pruned model"),
                parse.GetValue(data), parse.GetValue(eval));
            return Run(context, parse, reading, request, options, parse.GetValue(json));
        });
        return command;
    }

    private static int Run(CommandContext context, ParseResult parse, DataOptions reading, PruneRequest request, PruningOptions options, bool asJson)
    {
        var total = Stopwatch.StartNew();
        var (inputPath, outputPath) = Arguments.InputAndOutput(request.Input, request.Output, "pruned model");
        // The library's rules, every problem at once, before the model is read.
        InvalidOptionsException.ThrowIfAny(options.Validate(withData: request.Data is not null));
        var labels = reading.LoadLabels(parse);
        if (labels is not null && request.Eval is null)
            throw new UsageException("--labels labels the --eval data: give --eval DATA (the held-out samples to measure top-1 on)");

        using var original = Model.Load(inputPath);
        var calibration = request.Data is { } dataSpec ? reading.Open(parse, dataSpec, original, "calibration") : null;
        var evaluation = request.Eval is { } evalSpec ? reading.Open(parse, evalSpec, original, "evaluation") : null;
        evaluation?.CheckFits(original);
        if (labels is not null && evaluation is not null && labels.Count < evaluation.Count)
            throw new UsageException($"--labels has {labels.Count} labels but the evaluation data has {evaluation.Count} samples");

        var title = options.Kind == PruningKind.Structured
            ? $"Pruning channels of {Path.GetFileName(inputPath)}"
            : $"Sparsifying {Path.GetFileName(inputPath)}";
        using var result = ProgressDisplay.WithBar<PruningProgress, PruningResult>(context, title, p => (p.Stage, p.Done, p.Total),
            progress => new Pruner(options).Prune(original, calibration, progress));
        // The table lists the warnings; with --json stdout holds only the result, so they go to stderr.
        if (asJson) foreach (var warning in result.Warnings) context.Error.WriteLine($"warning: {warning}");

        var clock = Stopwatch.StartNew();
        PruneEvaluation? evaluated = null;
        if (evaluation is not null)
        {
            var measured = ProgressDisplay.WithStatus(context, $"Evaluating on {evaluation.Count:N0} samples", status =>
                ModelEvaluator.Evaluate(result.Model, evaluation, new EvaluationOptions { Reference = original, Labels = labels },
                    new InlineProgress<int>(done => status.Report($"Evaluating: {done:N0}/{evaluation.Count:N0} samples"))));
            evaluated = new PruneEvaluation(evaluation.Description, measured);
        }
        var evaluateMs = clock.Elapsed.TotalMilliseconds;

        // Unstructured sparsity pays off in the download: what a zip of the model takes before and after.
        PruneCompression? compression = null;
        if (options.Kind == PruningKind.Unstructured)
            compression = new PruneCompression(CompressedSizes.Zip(original.ToBytes()), CompressedSizes.Zip(result.Model.ToBytes()));

        // Everything is computed: only now is the model written (atomically).
        clock.Restart();
        result.Model.Save(outputPath);
        var writeMs = clock.Elapsed.TotalMilliseconds;

        var summary = PruneReport.From(inputPath, outputPath, FileSizes.Of(inputPath), FileSizes.Of(outputPath), result,
            calibration?.Description, calibration?.IsRepresentative, evaluated, compression,
            new PruneTimings(result.Elapsed.TotalMilliseconds, evaluateMs, writeMs, total.Elapsed.TotalMilliseconds));
        if (asJson) CommandRunner.WriteJson(context, summary);
        else PruneRenderer.Render(context.Console, summary);
        return ExitCodes.Ok;
    }

    private static ChannelImportance ParseImportance(string text) => text.ToLowerInvariant() switch
    {
        "l1" => ChannelImportance.L1,
        "l2" => ChannelImportance.L2,
        "fpgm" => ChannelImportance.Fpgm,
        "activation" => ChannelImportance.Activation,
        _ => throw new UsageException($"--importance '{text}': expected l1, l2, fpgm or activation"),
    };

    private static SparsityScore ParseScore(string text) => text.ToLowerInvariant() switch
    {
        "magnitude" => SparsityScore.Magnitude,
        "wanda" => SparsityScore.Wanda,
        _ => throw new UsageException($"--score '{text}': expected magnitude or wanda"),
    };

    private static SparsityScope ParseScope(string text) => text.ToLowerInvariant() switch
    {
        "per-layer" or "layer" => SparsityScope.PerLayer,
        "global" => SparsityScope.Global,
        _ => throw new UsageException($"--scope '{text}': expected per-layer or global"),
    };

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record PruneRequest(string Input, string Output, string? Data, string? Eval);
}
