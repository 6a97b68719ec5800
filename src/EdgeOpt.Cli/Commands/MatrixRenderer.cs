using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeOpt.Deployment;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders a <see cref="DeviceMatrixResult"/> as a Spectre table or one JSON object; every row says estimated or measured.</summary>
internal static class MatrixRenderer
{
    public static void WriteJson(CommandContext context, string path, DeviceMatrixResult matrix)
    {
        var body = JsonSerializer.SerializeToNode(matrix, CommandRunner.Json)!.AsObject();
        var root = new JsonObject { ["file"] = Path.GetFullPath(path) };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            if (key != "modelPath") root[key] = value;
        }
        context.Output.WriteLine(root.ToJsonString(CommandRunner.Json));
    }

    public static void Render(IAnsiConsole console, string path, DeviceMatrixResult m)
    {
        var table = new Table()
            .Title(Esc(F($"Device matrix: {Path.GetFileName(path)} ({Bytes(m.ModelBytes)}), {Lower(m.Precision)}, batch {m.Batch}")))
            .AddColumns("Device", "Figures", "Latency", "Memory", "Fits", "Backend", "Suggested");
        table.Columns[2].RightAligned();
        table.Columns[3].RightAligned();
        foreach (var r in m.Rows)
        {
            var measured = r.Source == FigureSource.Measured;
            var source = measured ? "[green]measured[/]" : "[yellow]estimated[/]";
            var device = Esc(r.Device) + (r.BorrowedFrom is { } from ? Esc($"\n(custom ~{from})") : "");
            var latency = r.LatencyMs is { } ms
                ? Esc(F($"{ms:0.###} ms")) + Esc(measured && r.LatencyP90Ms is { } p90 ? F($"\np90 {p90:0.###}\n{r.Threads} thr") : $"\n{r.Unit} {Lower(r.Precision)}")
                : "[red]—[/]";
            var memory = r.MemoryBytes is { } bytes ? Esc(Bytes(bytes)) : "—";
            var fits = r.Fits switch
            {
                true => "[green]yes[/]",
                false => "[red]no[/]",
                null => "—",
            } + Esc($"\n<{Bytes(r.ClassTargetBytes)}");
            if (r.InitialLoadBytes is { } load) fits += Esc($"\nload {Bytes(load)}");
            var backend = Esc(Lower(r.Backend)) + Esc(r.Partitions is { } p ? F($"\n{p} part.\n{r.SupportedNodes}/{r.TotalNodes}") : "\nunchecked");
            var suggested = r.Suggested is { } s
                ? Esc(F($"{Lower(s.Precision)} {s.Unit}\n{s.Threads} thr\n~{s.EstimatedLatencyMs:0.##} ms"))
                : "—";
            table.AddRow(device, source, latency, memory, fits, backend, suggested);
        }
        console.Write(table);
        foreach (var r in m.Rows)
        {
            if (r.BackendReason is { } reason) console.MarkupLine(Esc($"{r.Device}: backend {reason}"));
            if (r.Suggested is { } s) console.MarkupLine(Esc($"{r.Device}: suggested {Lower(s.Precision)} on {Lower(s.Backend)}, {s.Threads} thread{(s.Threads == 1 ? "" : "s")}: {s.Reason}"));
            if (r.Problem is { } problem) console.MarkupLine($"[red]{Esc($"{r.Device}: not estimated: {problem}")}[/]");
        }
        console.MarkupLine("[yellow]estimated[/]: the latency model, nothing ran on the device; [green]measured[/]: ONNX Runtime on this host. " +
            "Fits: memory under the device class's footprint target. Suggested latency is estimated.");
        foreach (var note in m.Notes) console.MarkupLine(Esc("note: " + note));
    }

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Esc(string s) => Markup.Escape(s);

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1_000_000 => F($"{bytes / 1e6:0.##} MB"),
        >= 1_000 => F($"{bytes / 1e3:0.##} kB"),
        _ => F($"{bytes} B"),
    };
}
