using System.CommandLine;
using System.Globalization;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt evaluate MODEL [--reference REF] --data DIR|FILE [--labels FILE] [--json]</c>: top-1/top-5 accuracy
/// with labels and, against a reference model, per-output fidelity (cosine, max abs error, SQNR, top-1 agreement),
/// measured with ONNX Runtime one sample at a time. Writes nothing.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Argument<string?>("model") { Description = "The .onnx model to evaluate (or --input)", Arity = ArgumentArity.ZeroOrOne };
        var input = new Option<string?>("--input", "-i") { Description = "The model to evaluate (same as MODEL)", HelpName = "PATH" };
        var reference = new Option<string?>("--reference", "-r") { Description = "A reference model (e.g. the float original) to measure fidelity against", HelpName = "REF" };
        var dataSpec = new Option<string?>("--data", "-d")
        {
            Description = "Samples: an image folder (class sub-folders give labels), .npy/.npz/.pb file or folder, ONNX test_data_set folders, an IDX file, or 'random[:N]'",
            HelpName = "DIR|FILE",
        };
        var samples = new Option<int?>("--samples") { Description = "Evaluate the first N samples only", HelpName = "N" };
        var json = new Option<bool>("--json") { Description = "Write the result as one JSON object on stdout, nothing else" };
        var data = new DataOptions();
        var command = new Command("evaluate",
            "Measure a model on data with ONNX Runtime: top-1/top-5 accuracy when labels are known, and fidelity to a reference " +
            "model per output (cosine similarity, max abs error, SQNR, top-1 agreement), with mean latency per sample.")
        {
            model, input, reference, dataSpec, samples, json,
        };
        foreach (var option in data.All) command.Options.Add(option);

        CommandRunner.SetAction(command, (parse, context) =>
        {
            var path = Path.GetFullPath(Arguments.ResolveInput(parse.GetValue(model), parse.GetValue(input)));
            var spec = parse.GetValue(dataSpec) ?? throw new UsageException("missing data: give --data DIR|FILE with the samples to evaluate on");
            var referencePath = parse.GetValue(reference) is { } r ? Path.GetFullPath(r) : null;
            var count = parse.GetValue(samples);
            var options = new EvaluationOptions { Samples = count };
            InvalidOptionsException.ThrowIfAny(options.Validate()); // before anything is read
            var labels = data.LoadLabels(parse);

            using var candidate = Model.Load(path);
            using var referenceModel = referencePath is null ? null : Model.Load(referencePath);
            var source = data.Open(parse, spec, candidate, "evaluation");
            source.CheckFits(candidate);
            if (referenceModel is not null) source.CheckFits(referenceModel);
            var total = Math.Min(count ?? source.Count, source.Count);

            var result = ProgressDisplay.WithStatus(context, $"Evaluating on {total:N0} samples", status =>
                ModelEvaluator.Evaluate(candidate, source, options with { Reference = referenceModel, Labels = labels },
                    new InlineProgress<int>(done => status.Report($"Evaluating: {done:N0}/{total:N0} samples"))));
            var report = new EvaluateReport(path, referencePath, source.Description, source.IsRepresentative, result);
            if (parse.GetValue(json)) CommandRunner.WriteJson(context, report);
            else Render(context.Console, report);
            if (!source.IsRepresentative) context.Error.WriteLine($"warning: {source.Description} is synthetic data: NOT representative; accuracy and fidelity on it say little about real inputs");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Render(IAnsiConsole console, EvaluateReport report)
    {
        var r = report.Result;
        var table = new Table().Title($"[bold]{Markup.Escape(Path.GetFileName(report.Model))} on {Markup.Escape(report.Data)} ({r.Samples:N0} samples, measured)[/]")
            .AddColumns("Metric", "Model", "Reference");
        table.Columns[1].RightAligned();
        table.Columns[2].RightAligned();
        if (r.Top1 is { } top1) table.AddRow("Top-1 accuracy", $"[bold]{P(top1)}[/]", P(r.ReferenceTop1));
        if (r.Top5 is { } top5) table.AddRow("Top-5 accuracy", P(top5), P(r.ReferenceTop5));
        foreach (var f in r.Fidelity)
        {
            table.AddRow(Markup.Escape($"{f.Name}: cosine (min)"), F(f.Cosine, 6), "1");
            table.AddRow(Markup.Escape($"{f.Name}: top-1 agreement"), P(f.Top1Agreement), "100%");
            table.AddRow(Markup.Escape($"{f.Name}: SQNR"), $"{F(f.SqnrDb, 1)} dB", "");
            table.AddRow(Markup.Escape($"{f.Name}: max abs error"), F(f.MaxAbsError, 6), "");
        }
        table.AddRow("Latency / sample", $"{F(r.MeanLatencyMs, 3)} ms", r.ReferenceMeanLatencyMs is { } rl ? $"{F(rl, 3)} ms" : "");
        table.AddRow("Measured on", Markup.Escape(r.MeasuredOn), "");
        console.Write(table);
    }

    private static string F(double value, int digits) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string P(double? fraction) => fraction is { } f ? (f * 100).ToString("F2", CultureInfo.InvariantCulture) + "%" : "n/a";

    /// <summary>The <c>--json</c> object.</summary>
    internal sealed record EvaluateReport(string Model, string? Reference, string Data, bool Representative, EvaluationResult Result);
}
