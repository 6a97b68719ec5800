using System.Globalization;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>The human tables of <c>edgeopt prune</c>.</summary>
internal static class PruneRenderer
{
    private const int MaxRows = 40;

    public static void Render(IAnsiConsole console, PruneReport r)
    {
        var structured = r.Kind == "structured";
        var summary = new Table().Title($"[bold]Pruned ({Markup.Escape(r.Kind)})[/]").AddColumns("Property", "Value").HideHeaders();
        summary.AddRow("Input", Markup.Escape(r.Input));
        summary.AddRow("Output", Markup.Escape(r.Output));
        summary.AddRow("Settings", Markup.Escape(Settings(r.Settings, structured)));
        summary.AddRow("MACs", $"{Count(r.MacsBefore)} -> [bold]{Count(r.MacsAfter)}[/] ({F(r.MacRatio, 3)}x)");
        summary.AddRow("Parameters", $"{Count(r.ParametersBefore)} -> {Count(r.ParametersAfter)} ({F(Ratio(r.ParametersAfter, r.ParametersBefore), 3)}x)");
        summary.AddRow("Size", $"{Units.Bytes(r.BytesBefore)} -> [bold]{Units.Bytes(r.BytesAfter)}[/] ({F(Ratio(r.BytesAfter, r.BytesBefore), 3)}x)");
        if (r.Compressed is { } zip)
            summary.AddRow("Zipped", $"{Units.Bytes(zip.ZipBytesBefore)} -> [bold]{Units.Bytes(zip.ZipBytesAfter)}[/] ({F(Ratio(zip.ZipBytesAfter, zip.ZipBytesBefore), 3)}x)");
        var fidelity = r.Fidelity;
        summary.AddRow("Fidelity (ORT)", Markup.Escape($"min cosine {F(fidelity.Cosine, 5)}, max relative error {F(fidelity.MaxRelativeError, 5)} on {fidelity.Samples} samples of {fidelity.On}")
            + (fidelity.OnData ? "" : " [yellow](generated inputs: give --data for a representative figure)[/]"));
        if (structured)
            summary.AddRow("Groups", Markup.Escape($"{r.GroupsPruned} pruned, {r.Groups.Count - r.GroupsPruned} left whole ({r.GroupsUnprunable} not prunable) of {r.Groups.Count}"));
        else
            summary.AddRow("CPU speed", "[yellow]no speedup expected[/]: ONNX Runtime's CPU kernels densify sparse weights at load; the gain is the compressed download" +
                (r.Settings.Pattern is "2:4" ? " and TensorRT's sparse tensor cores (--sparsity=enable)" : ""));
        summary.AddRow("Time", Markup.Escape($"{F(r.Timings.TotalMs / 1000, 2)} s: prune {F(r.Timings.PruneMs / 1000, 2)} s, evaluate {F(r.Timings.EvaluateMs / 1000, 2)} s, write {F(r.Timings.WriteMs / 1000, 2)} s"));
        console.Write(summary);

        if (structured && r.Groups.Count > 0) console.Write(Groups(r));
        if (r.Sensitivity.Count > 0) console.Write(Sensitivity(r));
        if (r.Reconstruction is { } reconstruction) console.Write(Reconstruction(reconstruction));
        if (r.Layers.Count > 0) console.Write(Layers(r));
        if (r.Evaluation is { } e) console.Write(Evaluation(e));
        foreach (var warning in r.Warnings) console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
    }

    private static Table Groups(PruneReport r)
    {
        var table = new Table().Title("[bold]Dependency groups[/]").AddColumns("#", "Producers", "Channels", "Kept", "MACs", "Note");
        foreach (var i in new[] { 0, 2, 3, 4 }) table.Columns[i].RightAligned();
        // Pruned groups first (largest cut first), then the ones left whole with why.
        var rows = r.Groups.OrderBy(g => g.Kept < g.Channels ? 0 : 1).ThenBy(g => (double)g.Kept / Math.Max(1, g.Channels)).ThenBy(g => g.Id).ToList();
        foreach (var g in rows.Take(MaxRows))
            table.AddRow(g.Id.ToString(CultureInfo.InvariantCulture), Markup.Escape(Names(g.Producers)), g.Channels.ToString(CultureInfo.InvariantCulture),
                g.Kept < g.Channels ? $"[bold]{g.Kept}[/]" : g.Kept.ToString(CultureInfo.InvariantCulture), Count(g.Macs),
                Markup.Escape(g.Prunable ? g.Kept < g.Channels ? "" : "left whole (least MAC gain per error)" : g.Reason ?? "not prunable"));
        if (rows.Count > MaxRows) table.AddRow("", Markup.Escape($"... {rows.Count - MaxRows} more (--json lists all)"), "", "", "", "");
        return table;
    }

    private static Table Sensitivity(PruneReport r)
    {
        var producers = r.Groups.ToDictionary(g => g.Id, g => Names(g.Producers));
        var table = new Table().Title("[bold]Sensitivity (each group pruned alone, measured in ORT)[/]").AddColumns("#", "Producers", "Removed", "Cosine", "Relative error");
        foreach (var i in new[] { 0, 2, 3, 4 }) table.Columns[i].RightAligned();
        foreach (var s in r.Sensitivity.OrderBy(s => s.Cosine).Take(MaxRows))
            table.AddRow(s.Group.ToString(CultureInfo.InvariantCulture), Markup.Escape(producers.GetValueOrDefault(s.Group, "")), $"{F(s.Fraction * 100, 0)}%",
                F(s.Cosine, 5), F(s.RelativeError, 5));
        if (r.Sensitivity.Count > MaxRows) table.AddRow("", Markup.Escape($"... {r.Sensitivity.Count - MaxRows} more (--json lists all)"), "", "", "");
        return table;
    }

    private static Table Reconstruction(Pruning.ReconstructionReport reconstruction)
    {
        var table = new Table()
            .Title(Markup.Escape($"Reconstruction on {reconstruction.Samples} samples ({reconstruction.BatchNormsRecalibrated} BatchNormalization re-estimated)"))
            .AddColumns("Layer", "Relative error before", "After");
        table.Columns[1].RightAligned();
        table.Columns[2].RightAligned();
        foreach (var layer in reconstruction.Layers.Take(MaxRows))
            table.AddRow(Markup.Escape(layer.Node), F(layer.RelativeErrorBefore, 5), $"[bold]{F(layer.RelativeErrorAfter, 5)}[/]");
        if (reconstruction.Layers.Count > MaxRows) table.AddRow(Markup.Escape($"... {reconstruction.Layers.Count - MaxRows} more (--json lists all)"), "", "");
        return table;
    }

    private static Table Layers(PruneReport r)
    {
        var table = new Table().Title("[bold]Sparsity per layer[/]").AddColumns("Node", "Weight", "Elements", "Zeros", "Sparsity", "Updated");
        foreach (var i in new[] { 2, 3, 4 }) table.Columns[i].RightAligned();
        foreach (var l in r.Layers.Take(MaxRows))
            table.AddRow(Markup.Escape(l.Node), Markup.Escape(l.Weight), Count(l.Elements), Count(l.Zeros), $"{F(l.Sparsity * 100, 1)}%", l.Updated ? "yes" : "");
        if (r.Layers.Count > MaxRows) table.AddRow(Markup.Escape($"... {r.Layers.Count - MaxRows} more (--json lists all)"), "", "", "", "", "");
        var elements = r.Layers.Sum(l => l.Elements);
        table.AddRow("[bold]all[/]", "", Count(elements), Count(r.Layers.Sum(l => l.Zeros)), $"[bold]{F(100.0 * r.Layers.Sum(l => l.Zeros) / Math.Max(1, elements), 1)}%[/]", "");
        return table;
    }

    private static Table Evaluation(PruneEvaluation e) =>
        EvaluationTable.Build(e.Data, e.Result, "Input", "Pruned", cosineDigits: 5, withErrors: false);

    private static string Settings(PruneSettings s, bool structured)
    {
        var parts = new List<string>();
        if (structured)
        {
            if (s.TargetMacs is { } macs) parts.Add($"--target-macs {N(macs)}");
            if (s.Ratio is { } ratio) parts.Add($"--ratio {N(ratio)}");
            parts.Add($"--importance {s.Importance}");
            if (s.RoundTo is > 1) parts.Add($"--round-to {s.RoundTo}");
            if (s.Reconstruct is true) parts.Add("--reconstruct");
        }
        else
        {
            parts.Add(s.Pattern is { } pattern ? $"--pattern {pattern}" : $"--sparsity {N(s.Sparsity ?? 0)}");
            parts.Add($"--score {s.Score}");
            if (s.Pattern is null) parts.Add($"--scope {s.Scope}");
            if (s.SecondOrder is true) parts.Add("--second-order");
        }
        if (s.Excluded.Count > 0) parts.Add($"--exclude {string.Join(',', s.Excluded)}");
        if (s.Data is { } data) parts.Add($"data: {data}{(s.Samples is { } n ? $" (at most {n} samples)" : "")}{(s.Representative is false ? " (NOT representative)" : "")}");
        return string.Join(", ", parts);
    }

    private static string Names(IReadOnlyList<string> names) =>
        names.Count <= 3 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(3))}, ... ({names.Count})";

    private static double Ratio(long after, long before) => before == 0 ? 1 : (double)after / before;

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string N(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string F(double value, int digits) => value.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
