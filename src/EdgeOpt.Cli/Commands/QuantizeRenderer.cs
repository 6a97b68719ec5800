using System.Globalization;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>The human tables of <c>edgeopt quantize</c>.</summary>
internal static class QuantizeRenderer
{
    public static void Render(IAnsiConsole console, QuantizeReport r)
    {
        var summary = new Table().Title($"[bold]Quantized to {Markup.Escape(r.Type)}[/]").AddColumns("Property", "Value").HideHeaders();
        summary.AddRow("Input", Markup.Escape(r.Input));
        summary.AddRow("Output", Markup.Escape(r.Output));
        summary.AddRow("Size", $"{Bytes(r.BytesBefore)} -> [bold]{Bytes(r.BytesAfter)}[/] ({F(r.SizeReductionPercent, 1)}% smaller, {F((double)r.BytesAfter / Math.Max(1, r.BytesBefore), 3)}x)");
        summary.AddRow("Nodes quantized", r.NodesQuantized.ToString("N0", CultureInfo.InvariantCulture));
        summary.AddRow("Nodes left in float", r.NodesExcluded.Count == 0 ? "none"
            : Markup.Escape(string.Join(", ", r.NodesExcluded.Take(12).Select(e => e.Node)) + (r.NodesExcluded.Count > 12 ? $", ... ({r.NodesExcluded.Count})" : "")));
        if (r.Calibration is { } c)
            summary.AddRow("Calibration", Markup.Escape($"{c.Method} on {c.Samples:N0} samples of {c.Data}")
                + (c.Representative || c.Data.Contains("NOT representative", StringComparison.Ordinal) ? "" : " [red](NOT representative)[/]"));
        if (r.Calibration is { Method: "auto" } a)
            summary.AddRow("Ranges chosen", Markup.Escape(string.Join(", ", a.RangeMethods.Select(m => $"{m.Key} {m.Value}")) + " (per tensor: --save-plan)"));
        if (r.Calibration is { EqualizedPairs.Count: > 0 } eq)
            summary.AddRow("Equalized", Markup.Escape($"{eq.EqualizedPairs.Count} Conv pairs"));
        if (r.Calibration is { BiasCorrected.Count: > 0 } b)
            summary.AddRow("Bias corrected", Markup.Escape($"{b.BiasCorrected.Count} Conv/Gemm nodes"));
        if (r.PlanApplied is { } applied) summary.AddRow("Plan applied", Markup.Escape(applied));
        if (r.PlanSaved is { } saved) summary.AddRow("Plan saved", Markup.Escape(saved));
        if (r.ErrorReport is { } report) summary.AddRow("Error report", Markup.Escape(report));
        var t = r.Timings;
        summary.AddRow("Time", Markup.Escape(
            $"{F(t.TotalMs / 1000, 2)} s: optimize {F(t.OptimizeMs / 1000, 2)} s, calibration inference {F(t.CalibrationInferenceMs / 1000, 2)} s, " +
            $"histograms/ranges {F(t.CalibrationStatisticsMs / 1000, 2)} s, quantize {F(t.QuantizeMs / 1000, 2)} s, search {F(t.SearchMs / 1000, 2)} s, " +
            $"evaluate {F(t.EvaluateMs / 1000, 2)} s, report {F(t.ReportMs / 1000, 2)} s, write {F(t.WriteMs / 1000, 2)} s"));
        console.Write(summary);

        if (r.NodesExcluded.Count > 0)
        {
            // Every node left in float, subgraph bodies included, with why (the summary row above only names them).
            var left = new Table().Title("[bold]Left in float[/]").AddColumns("Node", "Op", "Reason");
            foreach (var node in r.NodesExcluded.Take(MaxFloatRows))
                left.AddRow(Markup.Escape(node.Node), Markup.Escape(node.OpType), Markup.Escape(node.Reason));
            if (r.NodesExcluded.Count > MaxFloatRows)
                left.AddRow(Markup.Escape($"... {r.NodesExcluded.Count - MaxFloatRows} more (--json lists all)"), "", "");
            console.Write(left);
        }

        if (r.Evaluation is { } e)
            console.Write(EvaluationTable.Build(e.Data, e.Result, "Float (input)", r.Type, cosineDigits: 6, withErrors: true));

        if (r.Search is { } s)
        {
            var verdict = s.TargetMet ? "[green]met[/]" : "[red]NOT met[/]";
            var table = new Table().Title($"[bold]Accuracy search ({Markup.Escape(s.Metric)}, target {F(s.RequiredAccuracy, 2)}%: {verdict})[/]")
                .AddColumns("Step", "Nodes in float", "Accuracy", "Latency / sample", "Meets target");
            table.AddRow("float", "all", $"{F(s.FloatAccuracy, 2)}%", "", "");
            table.AddRow("int8", "0", $"{F(s.InitialAccuracy, 2)}%", "", "");
            foreach (var step in s.Steps)
                table.AddRow("fallback", Markup.Escape($"{step.FallbackCount}: {string.Join(", ", step.FallbackNodes.Take(6))}{(step.FallbackNodes.Count > 6 ? ", ..." : "")}"),
                    $"{F(step.Accuracy, 2)}%", $"{F(step.MeanLatencyMs, 3)} ms", step.Met ? "yes" : "no");
            console.Write(table);
            console.MarkupLine(Markup.Escape($"Final: {F(s.FinalAccuracy, 2)}% with {s.FallbackNodes.Count} node(s) in float" +
                (s.FallbackNodes.Count > 0 ? $" ({string.Join(", ", s.FallbackNodes)})" : "") + (s.BudgetExhausted ? "; time budget exhausted" : "")));
        }
    }

    private const int MaxFloatRows = 40;

    private static string F(double value, int digits) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Bytes(long bytes) => bytes.ToString("N0", CultureInfo.InvariantCulture) + " B";
}
