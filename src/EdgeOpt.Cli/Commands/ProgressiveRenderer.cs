using EdgeOpt.Progressive;
using Spectre.Console;
using static EdgeOpt.Cli.Commands.Units;

namespace EdgeOpt.Cli.Commands;

/// <summary>Human tables for <c>edgeopt progressive</c>: the package, a load plan (times labelled estimated) and a diff.</summary>
internal static class ProgressiveRenderer
{
    public static void RenderPackage(IAnsiConsole console, string folder, ProgressiveManifest m)
    {
        var summary = new Table().Title("[bold]Progressive package[/]").AddColumns("Property", "Value").HideHeaders();
        summary.AddRow("Folder", Esc(Path.GetFullPath(folder)));
        summary.AddRow("Model", Esc($"{m.ModelName} (sha256 {m.ModelSha256})"));
        summary.AddRow("Graph file", Esc($"{m.Graph.File} ({Bytes(m.Graph.Size)})"));
        summary.AddRow("Chunks", m.Chunks.Count == 0
            ? "0 (no initializer large enough to chunk: the graph file holds everything)"
            : F($"{m.Chunks.Count} of up to {Bytes(m.ChunkSize)}, {m.Chunks.Sum(c => c.Tensors.Count)} tensors"));
        summary.AddRow("Total", Bytes(m.TotalBytes));
        console.Write(summary);
        if (m.Chunks.Count == 0) return;

        var chunks = new Table().Title("[bold]Chunks[/] (fetch order)").AddColumns("Priority", "File", "Size", "Tensors", "First tensor");
        chunks.Columns[0].RightAligned();
        chunks.Columns[2].RightAligned();
        chunks.Columns[3].RightAligned();
        foreach (var c in m.Chunks)
            chunks.AddRow(F($"{c.Priority}"), Esc(c.File), Bytes(c.Size), F($"{c.Tensors.Count}"), Esc(c.Tensors[0].Name));
        console.Write(chunks);
    }

    public static void RenderPlan(IAnsiConsole console, LoadPlan p)
    {
        var table = new Table().Title(F($"[bold]Load plan[/] [yellow](ESTIMATED: sequential fetches, {p.BandwidthBytesPerSecond * 8 / 1e6:0.###} Mbit/s, {p.RequestLatencySeconds * 1000:0.#} ms per request)[/]"))
            .AddColumns("Stage", "File", "Kind", "Bytes", "Cumulative", "Est. time");
        foreach (var i in new[] { 0, 3, 4, 5 }) table.Columns[i].RightAligned();
        foreach (var s in p.Stages)
            table.AddRow(F($"{s.Index}"), Esc(s.File), s.Kind, Bytes(s.Bytes), Bytes(s.CumulativeBytes), F($"{s.EstimatedSeconds:0.00} s"));
        console.Write(table);
        console.MarkupLine(Esc(F($"Session can be created after stage {p.SessionReadyAfterStage} (~{p.SessionReadyAfterSeconds:0.00} s, estimated): ONNX Runtime needs every initializer.")));
        var memory = F($"Peak memory of the schedule: {Bytes(p.PeakMemoryBytes)} (everything fetched stays resident until the session is created; ORT's own copy not included)");
        console.MarkupLine(p.ExceedsMemoryLimit ? $"[red]{Esc(memory)} - over the limit of {Bytes(p.MaxMemoryBytes!.Value)}[/]" : Esc(memory));
    }

    public static void RenderDiff(IAnsiConsole console, PackageDiffResult d)
    {
        var table = new Table().Title("[bold]Delta update[/]").AddColumns("Property", "Value").HideHeaders();
        table.AddRow("Files to fetch", F($"{d.FilesToFetch.Count}"));
        table.AddRow("Bytes to fetch", F($"{Bytes(d.BytesToFetch)} of {Bytes(d.TotalBytes)} ({d.FetchFraction:P1})"));
        table.AddRow("Unchanged tensors", F($"{d.UnchangedTensors}"));
        table.AddRow("Changed or new tensors", F($"{d.ChangedTensors.Count}") + (d.ChangedTensors.Count > 0 ? Esc(": " + string.Join(", ", d.ChangedTensors.Take(10)) + (d.ChangedTensors.Count > 10 ? ", ..." : "")) : ""));
        console.Write(table);
        foreach (var f in d.FilesToFetch) console.WriteLine("fetch " + f);
    }

    private static string Esc(string s) => Markup.Escape(s);
}
