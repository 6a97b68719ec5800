using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EdgeOpt.Analysis;
using EdgeOpt.Onnx;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders a <see cref="ModelProfile"/> as Spectre tables or as one JSON object.</summary>
internal static class InspectRenderer
{
    private const int MaxUncountedRows = 20;

    // Data types by their ONNX spelling ("float16", "bfloat16"), dims as number | "symbol" | null.
    private static readonly JsonSerializerOptions Json = new(CommandRunner.Json)
    {
        Converters = { new DataTypeConverter(), new DimConverter() },
    };

    public static void WriteJson(TextWriter output, string path, ModelProfile profile)
    {
        var body = JsonSerializer.SerializeToNode(profile, Json)!.AsObject();
        var root = new JsonObject { ["file"] = Path.GetFullPath(path) };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            root[key] = value;
        }
        output.WriteLine(root.ToJsonString(Json));
    }

    public static void Render(IAnsiConsole console, string path, ModelProfile p)
    {
        var summary = new Table().Title("[bold]Model[/]").AddColumns("Property", "Value").HideHeaders();
        summary.AddRow("File", Esc(Path.GetFullPath(path)));
        summary.AddRow("Producer", Esc($"{p.ProducerName} {p.ProducerVersion}".Trim() is { Length: > 0 } producer ? producer : "(none)"));
        summary.AddRow("IR version", N(p.IrVersion));
        summary.AddRow("Opsets", Esc(string.Join(", ", p.Opsets.Select(o => $"{o.Key} {o.Value}"))));
        summary.AddRow("Nodes", p.TotalNodes == p.Nodes ? N(p.Nodes) : $"{N(p.Nodes)} ({N(p.TotalNodes)} with subgraphs)");
        summary.AddRow("Parameters", $"[bold]{N(p.Parameters)}[/] ({Si(p.Parameters)})");
        summary.AddRow("Weight bytes", $"{N(p.WeightBytes)} ({Bytes(p.WeightBytes)})");
        summary.AddRow("MACs", $"[bold]{N(p.Macs)}[/] ({Si(p.Macs)})");
        summary.AddRow("FLOPs", $"{N(p.Flops)} ({Si(p.Flops)})");
        if (p.NotCounted.Count > 0) summary.AddRow("Not counted", $"[yellow]{N(p.NotCounted.Count)} nodes[/] (MACs and FLOPs exclude them)");
        summary.AddRow("Peak activations", Esc($"{N(p.PeakActivationBytes)} ({Bytes(p.PeakActivationBytes)})" +
            (p.PeakActivationNode is { } at ? $" at {at}" : "") +
            (p.UnsizedActivations > 0 ? $", {p.UnsizedActivations} unsized activations left out" : "")));
        if (p.UnresolvedShapes > 0) summary.AddRow("Unresolved shapes", $"[yellow]{N(p.UnresolvedShapes)}[/]");
        console.Write(summary);

        var io = new Table().Title("[bold]Inputs and outputs[/]").AddColumns("", "Name", "Type");
        foreach (var v in p.Inputs) io.AddRow("input", Esc(v.Name), Esc(v.Type));
        foreach (var v in p.Outputs) io.AddRow("output", Esc(v.Name), Esc(v.Type));
        console.Write(io);

        var ops = new Table().Title("[bold]Operators[/]").AddColumns("Op", "Count");
        ops.Columns[1].RightAligned();
        foreach (var (op, count) in p.OpCounts) ops.AddRow(Esc(op), N(count));
        console.Write(ops);

        // The "not counted" column only when some node was left out, so the table fits 80 columns.
        var withUncounted = p.NotCounted.Count > 0;
        var cost = new Table().Title("[bold]Cost per op type[/]").AddColumns("Op", "Nodes", "MACs", "FLOPs", "%");
        if (withUncounted) cost.AddColumn("Not counted");
        foreach (var c in cost.Columns.Skip(1)) c.RightAligned();
        foreach (var c in p.CostByOp)
        {
            string[] row = [Esc(c.OpType), N(c.Nodes), N(c.Macs), N(c.Flops),
                p.Flops > 0 ? ((double)c.Flops / p.Flops).ToString("P1", CultureInfo.InvariantCulture) : "-"];
            cost.AddRow(withUncounted ? [.. row, c.NotCounted > 0 ? $"[yellow]{N(c.NotCounted)}[/]" : ""] : row);
        }
        console.Write(cost);

        if (p.Subgraphs.Count > 0)
        {
            // One row per If branch / Loop or Scan body; "x N" is the iterations the totals multiply by, "*" the body they take.
            var bodies = new Table().Title("[bold]Subgraphs[/] (one execution each; * = in the totals)")
                .AddColumns("Node", "Body", "Nodes", "MACs", "FLOPs", "Runs");
            foreach (var c in bodies.Columns.Skip(2)) c.RightAligned();
            foreach (var b in p.Subgraphs)
                bodies.AddRow(Esc(b.Node), Esc(b.Body + (b.InTotals ? " *" : "")), N(b.Nodes),
                    N(b.Macs) + (b.NotCounted > 0 ? $" [yellow](+{N(b.NotCounted)} not counted)[/]" : ""), N(b.Flops),
                    b.Iterations is { } runs ? $"x {N(runs)}" : "[yellow]?[/]");
            console.Write(bodies);
        }

        var weights = new Table().Title("[bold]Weights by data type[/]").AddColumns("Type", "Tensors", "Elements", "Bytes");
        foreach (var c in weights.Columns.Skip(1)) c.RightAligned();
        foreach (var w in p.WeightsByType) weights.AddRow(w.DataType.OnnxName(), N(w.Tensors), N(w.Elements), N(w.Bytes));
        console.Write(weights);

        var largest = new Table().Title($"[bold]Largest tensors (top {p.LargestTensors.Count})[/]").AddColumns("Name", "Kind", "Type", "Bytes");
        largest.Columns[3].RightAligned();
        foreach (var t in p.LargestTensors)
            largest.AddRow(Esc(t.Name), t.Kind.ToString().ToLowerInvariant(), Esc($"{t.ElementType.OnnxName()}[{string.Join(",", t.Shape)}]"), N(t.Bytes));
        console.Write(largest);

        if (p.FlaggedOps.Count == 0)
        {
            console.MarkupLine("[green]No flagged operators:[/] every op is in the ONNX default domain and its imported opset.");
        }
        else
        {
            var flagged = new Table().Title("[bold yellow]Flagged operators[/]").AddColumns("Op", "Count", "Why");
            foreach (var f in p.FlaggedOps)
                flagged.AddRow(Esc(f.Domain.Length > 0 ? $"{f.Domain}.{f.OpType}" : f.OpType), N(f.Count), Esc(f.Detail));
            console.Write(flagged);
        }

        if (p.NotCounted.Count > 0)
        {
            var uncounted = new Table().Title("[bold yellow]Nodes not counted in MACs/FLOPs[/]").AddColumns("Node", "Why");
            foreach (var u in p.NotCounted.Take(MaxUncountedRows)) uncounted.AddRow(Esc(u.Node), Esc(u.Reason));
            if (p.NotCounted.Count > MaxUncountedRows) uncounted.AddRow($"... and {N(p.NotCounted.Count - MaxUncountedRows)} more", "");
            console.Write(uncounted);
        }
    }

    private static string Esc(string text) => Markup.Escape(text);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    // 2,044,772,352 -> "2.04 G"; for readers, next to the exact figure.
    private static string Si(long value)
    {
        string[] units = ["", " K", " M", " G", " T", " P"];
        double v = value;
        var i = 0;
        while (Math.Abs(v) >= 1000 && i < units.Length - 1)
        {
            v /= 1000;
            i++;
        }
        return i == 0 ? N(value) : v.ToString("0.##", CultureInfo.InvariantCulture) + units[i];
    }

    private static string Bytes(long value)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = value;
        var i = 0;
        while (v >= 1024 && i < units.Length - 1)
        {
            v /= 1024;
            i++;
        }
        return i == 0 ? $"{N(value)} B" : v.ToString("0.##", CultureInfo.InvariantCulture) + " " + units[i];
    }

    private sealed class DataTypeConverter : JsonConverter<DataType>
    {
        public override DataType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var name = reader.GetString();
            foreach (var t in Enum.GetValues<DataType>())
                if (t.OnnxName() == name) return t;
            throw new JsonException($"unknown ONNX data type '{name}'");
        }

        public override void Write(Utf8JsonWriter writer, DataType value, JsonSerializerOptions options) => writer.WriteStringValue(value.OnnxName());
    }

    private sealed class DimConverter : JsonConverter<Dim>
    {
        public override Dim Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.Number => Dim.Of(reader.GetInt64()),
            JsonTokenType.String => Dim.Symbolic(reader.GetString()!),
            _ => Dim.Unknown,
        };

        public override void Write(Utf8JsonWriter writer, Dim value, JsonSerializerOptions options)
        {
            if (value.Value is { } v) writer.WriteNumberValue(v);
            else if (value.Symbol is { } s) writer.WriteStringValue(s);
            else writer.WriteNullValue();
        }
    }
}
