using System.CommandLine;
using System.Globalization;
using EdgeOpt.Analysis;
using EdgeOpt.Onnx;
using EdgeOpt.Data;
using EdgeOpt.Devices;
using EdgeOpt.Passes;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// <c>edgeopt demo</c>: summarizes the embedded Fashion-MNIST model, measures its FP32 accuracy and latency with
/// ONNX Runtime on the embedded test images, then optimizes it in memory (<see cref="ModelOptimizer"/>, level
/// extended) and quantizes it to static INT8 (<see cref="Quantizer"/>, per-channel, MinMax on 100 embedded
/// calibration images), measuring each the same way. Needs no files and no network.
/// </summary>
internal static class DemoCommand
{
    private const string TestData = "Fashion-MNIST test split, first 1,000 images (embedded)";

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Write the summary as JSON on stdout (progress still goes to stderr)" };
        var command = new Command("demo",
            "Inspect the embedded Fashion-MNIST CNN and measure its FP32 top-1/top-5 accuracy and latency with ONNX Runtime " +
            "on 1,000 embedded test images, before and after graph optimization (level extended) and static INT8 quantization " +
            "(calibrated on 100 embedded images). Runs offline in seconds.")
        {
            json,
        };
        CommandRunner.SetAction(command, (parse, context) => Run(context, parse.GetValue(json)));
        return command;
    }

    private static int Run(CommandContext context, bool asJson)
    {
        var modelBytes = DemoAssets.ModelBytes();
        var testSet = DemoAssets.TestSet();
        using var model = Model.Parse(modelBytes);
        var summary = ModelSummary.Of(model, DemoAssets.ModelName, modelBytes.Length);

        var settings = SessionSettings.Default;
        ClassificationResult accuracy;
        using (var session = SessionFactory.Create(modelBytes, settings, $"embedded {DemoAssets.ModelName}"))
        {
            accuracy = context.Log.Status().Start($"Evaluating FP32 on {testSet.Count:N0} test images...", status =>
                ModelEvaluator.Evaluate(session, testSet, progress: new InlineProgress<int>(done =>
                    status.Status($"Evaluating FP32: {done:N0}/{testSet.Count:N0} images"))));
        }

        // The same model after graph optimization, measured on the same images.
        using var optimizedModel = model.Clone();
        var optimization = ModelOptimizer.Optimize(optimizedModel, new OptimizationOptions { Level = PassLevel.Extended });
        ClassificationResult optimizedAccuracy;
        using (var session = SessionFactory.Create(optimizedModel, settings))
        {
            optimizedAccuracy = context.Log.Status().Start($"Evaluating the optimized model on {testSet.Count:N0} test images...", status =>
                ModelEvaluator.Evaluate(session, testSet, progress: new InlineProgress<int>(done =>
                    status.Status($"Evaluating optimized FP32: {done:N0}/{testSet.Count:N0} images"))));
        }
        var optimized = new DemoOptimization(
            "extended",
            optimization.NodesBefore,
            optimization.NodesAfter,
            optimization.Passes.Passes.Where(p => p.Changes > 0).Select(p => p.Pass).ToList(),
            optimization.Elapsed.TotalMilliseconds,
            optimizedAccuracy);

        var quantized = Quantize(context, model, testSet, settings);
        var host = context.Log.Status().Start("Probing this host...", _ => HostProbe.Current);
        var estimates = Estimate(optimizedModel);
        var report = new DemoReport(summary, new DemoEvaluation("fp32", "onnxruntime", settings.ExecutionProvider, TestData, accuracy), optimized, quantized,
            new DemoHost(host.Summary, host.MeasuredPeakGops.GetValueOrDefault(Precision.Fp32), host.MeasuredBandwidthGBps), estimates);
        if (asJson) CommandRunner.WriteJson(context, report);
        else Render(context.Console, report);
        return ExitCodes.Ok;
    }

    private const int CalibrationImages = 100;

    /// <summary>The devices the demo estimates for: one phone and one Jetson, at FP32 and INT8.</summary>
    private static readonly string[] EstimatedDevices = ["pixel-8", "jetson-orin-nano"];

    private static List<DemoEstimate> Estimate(Model optimized) =>
    [
        .. from id in EstimatedDevices
           from precision in new[] { Precision.Fp32, Precision.Int8 }
           let device = DeviceCatalog.Find(id)
           let estimate = Analysis.LatencyEstimator.Estimate(optimized, device, new Analysis.EstimateOptions { Precision = precision })
           select new DemoEstimate(device.Id, device.Name, precision.ToString().ToLowerInvariant(), estimate.Unit.ToString().ToUpperInvariant(),
               estimate.UnitName, estimate.TotalMs, estimate.PeakMemoryBytes, estimate.FitsClassTarget, estimate.Provenance, estimate.Method),
    ];

    /// <summary>Static INT8 (QDQ, per-channel weights, MinMax ranges) calibrated on embedded images the test set does not contain.</summary>
    private static DemoQuantization Quantize(CommandContext context, Model model, LabelledImages testSet, SessionSettings settings)
    {
        var calibration = DemoAssets.CalibrationSet();
        var source = new LabelledImageSource(calibration, model.Graph.Inputs[0].Name, [1, 1, calibration.Rows, calibration.Cols]);
        var options = new QuantizerOptions { Type = QuantizationType.Int8, Method = CalibrationMethod.MinMax, PerChannel = true, Samples = CalibrationImages };
        using var result = new Quantizer(options).Quantize(model, source);
        ClassificationResult int8;
        using (var session = SessionFactory.Create(result.Model, settings))
        {
            int8 = context.Log.Status().Start($"Evaluating INT8 on {testSet.Count:N0} test images...", status =>
                ModelEvaluator.Evaluate(session, testSet, progress: new InlineProgress<int>(done =>
                    status.Status($"Evaluating INT8: {done:N0}/{testSet.Count:N0} images"))));
        }
        var ms = (result.OptimizeTime + result.QuantizeTime + (result.Calibration?.InferenceTime ?? TimeSpan.Zero)
            + (result.Calibration?.StatisticsTime ?? TimeSpan.Zero)).TotalMilliseconds;
        return new DemoQuantization("int8 static (QDQ), per-channel weights, uint8 activations", "minmax",
            result.Calibration?.Samples ?? 0, "Fashion-MNIST embedded calibration images (not in the test set)",
            result.BytesBefore, result.BytesAfter, result.QuantizedNodes, ms, int8);
    }

    private static void Render(IAnsiConsole console, DemoReport report)
    {
        var m = report.Model;
        var model = new Table().Title("[bold]Demo model[/]").AddColumns("Property", "Value").HideHeaders();
        model.AddRow("File", Markup.Escape($"{m.File} ({m.SizeBytes:N0} bytes, embedded)"));
        model.AddRow("Graph", Markup.Escape(m.Graph));
        model.AddRow("Producer", Markup.Escape(m.Producer));
        model.AddRow("IR / opset", Markup.Escape($"IR {m.IrVersion}, opset {m.Opset?.ToString(CultureInfo.InvariantCulture) ?? "none"}"));
        foreach (var input in m.Inputs) model.AddRow("Input", Markup.Escape($"{input.Name}: {input.Type}"));
        foreach (var output in m.Outputs) model.AddRow("Output", Markup.Escape($"{output.Name}: {output.Type}"));
        model.AddRow("Nodes", m.Nodes.ToString("N0", CultureInfo.InvariantCulture));
        model.AddRow("Operators", Markup.Escape(string.Join(", ", m.Operators.Select(o => $"{o.Op} x{o.Count}"))));
        model.AddRow("Parameters", Markup.Escape($"{m.Parameters:N0} ({m.WeightBytes:N0} bytes of weights)"));
        model.AddRow("MACs / image", m.MacsPerImage is { } macs ? macs.ToString("N0", CultureInfo.InvariantCulture) : "not estimated");
        console.Write(model);

        var r = report.Evaluation.Result;
        var eval = new Table().Title("[bold]FP32 accuracy and latency (ONNX Runtime, measured)[/]").AddColumns("Metric", "Value").HideHeaders();
        eval.AddRow("Test images", Markup.Escape($"{r.Samples:N0}: {report.Evaluation.Data}"));
        eval.AddRow("Top-1 accuracy", $"[bold]{r.Top1:P1}[/]");
        eval.AddRow("Top-5 accuracy", r.Top5 is { } top5 ? top5.ToString("P1", CultureInfo.InvariantCulture) : "n/a");
        eval.AddRow("Batch", Markup.Escape($"{r.BatchSize} images x {r.Batches} runs, {report.Evaluation.ExecutionProvider} provider"));
        eval.AddRow("Latency / batch", $"{r.MeanBatchLatencyMs:F3} ms");
        eval.AddRow("Latency / image", $"{r.MeanItemLatencyMs:F4} ms ({r.ItemsPerSecond:N0} images/s)");
        eval.AddRow("Measured on", Markup.Escape(r.MeasuredOn.ToString()));
        console.Write(eval);

        var o = report.Optimized;
        var compare = new Table().Title($"[bold]Graph optimization (level {o.Level}, measured)[/]").AddColumns("Metric", "Original", "Optimized");
        compare.Columns[1].RightAligned();
        compare.Columns[2].RightAligned();
        compare.AddRow("Nodes", o.NodesBefore.ToString("N0", CultureInfo.InvariantCulture), $"[bold]{o.NodesAfter.ToString("N0", CultureInfo.InvariantCulture)}[/]");
        compare.AddRow("Top-1 accuracy", r.Top1.ToString("P1", CultureInfo.InvariantCulture), $"[bold]{o.Result.Top1.ToString("P1", CultureInfo.InvariantCulture)}[/]");
        compare.AddRow("Top-5 accuracy", r.Top5?.ToString("P1", CultureInfo.InvariantCulture) ?? "n/a", o.Result.Top5?.ToString("P1", CultureInfo.InvariantCulture) ?? "n/a");
        compare.AddRow("Latency / image", $"{r.MeanItemLatencyMs:F4} ms", $"{o.Result.MeanItemLatencyMs:F4} ms");
        compare.AddRow("Passes that changed it", "", Markup.Escape(o.PassesApplied.Count == 0 ? "none" : string.Join(", ", o.PassesApplied)));
        compare.AddRow("Optimization time", "", $"{o.OptimizeMs:F1} ms");
        console.Write(compare);

        var q = report.Quantized;
        var int8 = new Table().Title("[bold]INT8 quantization (ONNX Runtime, measured)[/]").AddColumns("Metric", "FP32", "INT8");
        int8.Columns[1].RightAligned();
        int8.Columns[2].RightAligned();
        int8.AddRow("Top-1 accuracy", r.Top1.ToString("P1", CultureInfo.InvariantCulture), $"[bold]{q.Result.Top1.ToString("P1", CultureInfo.InvariantCulture)}[/]");
        int8.AddRow("Top-5 accuracy", r.Top5?.ToString("P1", CultureInfo.InvariantCulture) ?? "n/a", q.Result.Top5?.ToString("P1", CultureInfo.InvariantCulture) ?? "n/a");
        int8.AddRow("Model size", $"{q.BytesBefore:N0} B", $"[bold]{q.BytesAfter:N0} B[/] ({(double)q.BytesAfter / q.BytesBefore:P0})");
        int8.AddRow("Latency / image", $"{r.MeanItemLatencyMs:F4} ms", $"{q.Result.MeanItemLatencyMs:F4} ms");
        int8.AddRow("Format", "", Markup.Escape(q.Format));
        int8.AddRow("Calibration", "", Markup.Escape($"{q.Method} on {q.CalibrationSamples} images ({q.CalibrationData})"));
        int8.AddRow("Quantization time", "", $"{q.QuantizeMs:F1} ms");
        console.Write(int8);

        console.MarkupLine($"[bold]Host[/] (probed): {Markup.Escape(report.Host.Summary)}");
        console.MarkupLine(Markup.Escape($"Measured FP32 latency of the demo model here: {r.MeanItemLatencyMs:F4} ms per image (batch {r.BatchSize})."));
        var estimates = new Table().Title("[bold]ESTIMATED latency on target devices[/] (roofline from catalogue specs, not measured)")
            .AddColumns("Device", "Precision", "Unit", "Latency / image", "Peak memory", "Fits class target");
        estimates.Columns[3].RightAligned();
        estimates.Columns[4].RightAligned();
        foreach (var e in report.Estimates)
            estimates.AddRow(Markup.Escape(e.DeviceName), e.Precision, Markup.Escape(e.Unit), $"{e.EstimatedMs:F4} ms (est.)",
                $"{e.PeakMemoryBytes / 1e6:F1} MB", e.FitsClassTarget ? "yes" : "[red]no[/]");
        console.Write(estimates);
        console.MarkupLine("[dim]Method: roofline max(compute/peak, bytes/bandwidth) with per-unit efficiency and per-node overhead; " +
                           "'edgeopt estimate MODEL --device NAME' shows it per node with its sources.[/]");
    }

    internal sealed record DemoReport(ModelSummary Model, DemoEvaluation Evaluation, DemoOptimization Optimized, DemoQuantization Quantized,
        DemoHost Host, IReadOnlyList<DemoEstimate> Estimates);

    /// <summary>This machine as <see cref="HostProbe"/> measured it.</summary>
    internal sealed record DemoHost(string Summary, double MeasuredFp32Gops, double? MeasuredBandwidthGBps);

    /// <summary>A roofline estimate of the optimized demo model on a catalogue device (never measured).</summary>
    internal sealed record DemoEstimate(
        string DeviceId, string DeviceName, string Precision, string Unit, string UnitName, double EstimatedMs, long PeakMemoryBytes,
        bool FitsClassTarget, string Provenance, string Method);

    /// <summary>The demo model quantized to INT8 with <see cref="Quantizer"/>, evaluated on the same images as FP32.</summary>
    internal sealed record DemoQuantization(
        string Format, string Method, int CalibrationSamples, string CalibrationData, long BytesBefore, long BytesAfter, int QuantizedNodes,
        double QuantizeMs, ClassificationResult Result);

    /// <summary>The demo model after <see cref="ModelOptimizer"/>, evaluated on the same images as the original.</summary>
    internal sealed record DemoOptimization(string Level, int NodesBefore, int NodesAfter, IReadOnlyList<string> PassesApplied, double OptimizeMs, ClassificationResult Result);

    internal sealed record DemoEvaluation(string Precision, string Runtime, string ExecutionProvider, string Data, ClassificationResult Result);

    internal sealed record ModelSummary(
        string File, long SizeBytes, string Graph, string Producer, long IrVersion, long? Opset,
        IReadOnlyList<ValueInfo> Inputs, IReadOnlyList<ValueInfo> Outputs,
        int Nodes, IReadOnlyList<OperatorCount> Operators, long Parameters, long WeightBytes, long? MacsPerImage)
    {
        public static ModelSummary Of(Model model, string file, long sizeBytes)
        {
            // Cost one image: bind each input's symbolic batch dim to 1.
            var batchSymbols = model.Graph.Inputs
                .Select(v => v.Shape is { Rank: > 0 } s ? s[0].Symbol : null).OfType<string>().Distinct()
                .ToDictionary(s => s, _ => 1L);
            var profile = ModelProfile.Analyze(model, new ProfileOptions { DimensionValues = batchSymbols, LargestTensorCount = 0 });
            return new ModelSummary(
                file, sizeBytes, model.Graph.Name,
                $"{profile.ProducerName} {profile.ProducerVersion}".Trim(),
                profile.IrVersion, model.GetOpset(),
                [.. profile.Inputs.Select(v => new ValueInfo(v.Name, v.Type))],
                [.. profile.Outputs.Select(v => new ValueInfo(v.Name, v.Type))],
                profile.TotalNodes,
                [.. profile.OpCounts.Select(o => new OperatorCount(o.Key, o.Value))],
                profile.Parameters,
                profile.WeightBytes,
                profile.NotCounted.Count == 0 ? profile.Macs : null);
        }
    }

    internal sealed record ValueInfo(string Name, string Type);

    internal sealed record OperatorCount(string Op, int Count);
}
