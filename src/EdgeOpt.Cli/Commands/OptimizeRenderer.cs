using System.Globalization;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders an <see cref="OptimizeReport"/> as Spectre tables: the run, one row per step and pass, and totals.</summary>
internal static class OptimizeRenderer
{
    public static void Render(IAnsiConsole console, OptimizeReport r)
    {
        var run = new Table().Title("[bold]Optimize[/]").AddColumns("Property", "Value").HideHeaders();
        run.AddRow("Input", Esc(r.Input));
        run.AddRow("Output", Esc(r.Output));
        run.AddRow("Level", Esc(r.Level));
        foreach (var (name, dims) in r.FixedShapes) run.AddRow("Fixed shape", Esc($"{name}: [{string.Join(",", dims)}]"));
        foreach (var (name, value) in r.Bindings) run.AddRow("Bound input", Esc($"{name} = {value}"));
        run.AddRow("Opset", Esc(r.OpsetBefore == r.OpsetAfter ? Opset(r.OpsetAfter) : $"{Opset(r.OpsetBefore)} -> {Opset(r.OpsetAfter)}"));
        if (r.Conversion is { } conversion)
            run.AddRow("Converted", Esc(conversion.NodesChangedByOp.Count == 0 ? "no node needed a change"
                : string.Join(", ", conversion.NodesChangedByOp.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} x{kv.Value}"))));
        console.Write(run);

        // Changed = runs that changed something / runs (a pass runs once per fixpoint round). Nodes and bytes are the
        // model before the pass's first run and after its last, so a pass that changed nothing shows a dash, not the
        // other passes' work between its rounds.
        var steps = new Table().Title($"[bold]Passes[/] ({r.Iterations} round{(r.Iterations == 1 ? "" : "s")})")
            .AddColumns("Pass", "Changed", "Nodes", "Initializer bytes", "Time");
        steps.Columns[0].NoWrap();
        for (var i = 1; i < steps.Columns.Count; i++) steps.Columns[i].RightAligned();
        // Run order: fixed shapes and bindings (when given), then opset conversion, then the passes.
        var conversionAt = r.Passes.TakeWhile(p => p.Pass is "fix-input-shapes" or "bind-inputs").Count();
        for (var i = 0; i <= r.Passes.Count; i++)
        {
            if (i == conversionAt && r.Conversion is { } c)
                steps.AddRow($"[bold]convert-opset {c.FromOpset}->{c.ToOpset}[/]", $"{N(c.NodesChangedByOp.Values.Sum())} nodes",
                    Arrow(c.NodesBefore, c.NodesAfter), "", Ms(c.ElapsedMs));
            if (i == r.Passes.Count) break;
            var p = r.Passes[i];
            if (p.Changes > 0)
                steps.AddRow($"[bold]{Esc(p.Pass)}[/]", $"{N(p.Changes)}/{N(p.Runs)}",
                    Arrow(p.NodesBefore, p.NodesAfter), Arrow(p.InitializerBytesBefore, p.InitializerBytesAfter), Ms(p.ElapsedMs));
            else if (p.Runs == 0 && p.Skipped is not null)
                steps.AddRow($"[dim]{Esc(p.Pass)}[/]", "skipped", "-", "-", "-");
            else
                steps.AddRow($"[dim]{Esc(p.Pass)}[/]", $"0/{N(p.Runs)}", "-", "-", Ms(p.ElapsedMs));
        }
        if (r.Passes.Count == 0) steps.AddRow("(no pass selected)", "", "", "", "");
        console.Write(steps);
        // Why passes were skipped (their declared requirements), one line per reason.
        foreach (var group in r.Passes.Where(p => p.Skipped is not null).GroupBy(p => p.Skipped!, StringComparer.Ordinal))
            console.MarkupLine($"[dim]Skipped: {Esc(string.Join(", ", group.Select(p => p.Pass).Order(StringComparer.Ordinal)))} ({Esc(group.Key)})[/]");

        var t = r.Totals;
        var totals = new Table().Title("[bold]Totals[/]").AddColumns("", "Before", "After", "Change");
        for (var i = 1; i < totals.Columns.Count; i++) totals.Columns[i].RightAligned();
        totals.AddRow("Nodes", N(t.NodesBefore), $"[bold]{N(t.NodesAfter)}[/]", Change(t.NodesBefore, t.NodesAfter));
        totals.AddRow("Initializer bytes", N(t.InitializerBytesBefore), N(t.InitializerBytesAfter), Change(t.InitializerBytesBefore, t.InitializerBytesAfter));
        totals.AddRow("File bytes", N(t.FileBytesBefore), N(t.FileBytesAfter), Change(t.FileBytesBefore, t.FileBytesAfter));
        console.Write(totals);
        console.MarkupLine($"Optimized in {Ms(t.OptimizeMs)} ({Ms(t.ElapsedMs)} with loading and saving).");
    }

    private static string Opset(long? opset) => opset?.ToString(CultureInfo.InvariantCulture) ?? "none";

    private static string Arrow(long before, long after) => before == after ? N(after) : $"{N(before)} -> {N(after)}";

    private static string Change(long before, long after) =>
        before == 0 ? "" : ((after - before) / (double)before).ToString("+0.0%;-0.0%;0.0%", CultureInfo.InvariantCulture);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ms(double ms) => ms.ToString("F1", CultureInfo.InvariantCulture) + " ms";

    private static string Esc(string text) => Markup.Escape(text);
}
