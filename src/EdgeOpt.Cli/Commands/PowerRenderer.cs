using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeOpt.Devices;
using EdgeOpt.Power;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders a <see cref="PowerReport"/> and the validation table as Spectre tables or one JSON object; both say they are estimated.</summary>
internal static class PowerRenderer
{
    public static void WriteJson(CommandContext context, string path, PowerReport report)
    {
        var root = new JsonObject { ["file"] = Path.GetFullPath(path) };
        foreach (var (key, value) in JsonSerializer.SerializeToNode(report, CommandRunner.Json)!.AsObject().ToList()) root[key] = value?.DeepClone();
        root["battery"]!.AsObject()["summary"] = report.Battery.Summary;
        context.Output.WriteLine(root.ToJsonString(CommandRunner.Json));
    }

    public static void Render(IAnsiConsole console, string path, PowerReport r)
    {
        var s = r.Selected;
        var summary = new Table().Title("[bold]Power[/] [yellow](ESTIMATED, not measured)[/]").AddColumns("Property", "Value").HideHeaders();
        summary.AddRow("File", Esc(Path.GetFullPath(path)));
        summary.AddRow("Device", Esc($"{r.DeviceName} ({r.DeviceId})"));
        summary.AddRow("Unit / precision", Esc($"{r.UnitName} ({r.Unit.ToString().ToUpperInvariant()}), {r.Precision.ToString().ToLowerInvariant()}"));
        summary.AddRow("Mode", Esc($"{PowerModeNames.Of(r.Mode)} ({s.Point.Name})"));
        summary.AddRow("Latency", Esc(F($"{s.LatencyMs:G4} ms")));
        summary.AddRow("Energy / inference", $"[bold]{Esc(Mj(s.Energy.TotalJ))}[/] " + Esc(F(
            $"(compute {Mj(s.Energy.ComputeJ)}, data movement {Mj(s.Energy.DataMovementJ)}, leakage {Mj(s.Energy.LeakageJ)}, idle {Mj(s.Energy.IdleJ)})")));
        summary.AddRow("Power while running", Esc(F($"{s.ActivePowerW:G3} W")));
        console.Write(summary);

        var modes = new Table().Title("[bold]Power modes[/] [yellow](estimated)[/]")
            .AddColumns("Mode", "Point", "Clock", "Latency ms", "Energy mJ", "Model mJ", "Power W", F($"Avg W at {r.Battery.RatePerSecond:G3}/s"), "Battery h");
        for (var i = 2; i < 9; i++) modes.Columns[i].RightAligned();
        foreach (var m in r.Modes)
            modes.AddRow(PowerModeNames.Of(m.Mode), Esc(m.Point.Name), F($"{m.Point.ClockScale:P0}"), F($"{m.LatencyMs:G4}"), F($"{m.Energy.TotalJ * 1e3:G4}"),
                F($"{m.Energy.ModelJ * 1e3:G4}"), F($"{m.ActivePowerW:G3}"),
                m.AveragePowerW is { } a ? F($"{a:G3}") : "[red]rate not met[/]", m.BatteryHours is { } h ? F($"{h:F1}") : "-");
        console.Write(modes);
        var chart = new BarChart().Label("[bold]Energy per inference by mode (mJ, estimated)[/]").Width(60);
        var colors = new[] { Color.Red, Color.Yellow, Color.Green };
        foreach (var m in r.Modes) chart.AddItem(F($"{PowerModeNames.Of(m.Mode)} ({m.LatencyMs:G3} ms)"), Math.Round(m.Energy.TotalJ * 1e3, 3), colors[(int)m.Mode]);
        console.Write(chart);

        var b = r.Battery;
        var battery = new Table().Title("[bold]Battery[/] [yellow](estimated)[/]").AddColumns("Property", "Value").HideHeaders();
        battery.AddRow("Rate", Esc(F($"{b.RatePerSecond:G4} inferences/s")));
        battery.AddRow("Battery life", $"[bold]{Esc(b.Summary)}[/]" + (b.CapacityWh is { } wh ? Esc(F($" ({wh:G3} Wh)")) : ""));
        battery.AddRow("Drain", Esc(F($"baseline {b.BaselineW:G3} W + model {b.ModelW:G3} W: the model takes {b.ModelShare:P1} of the battery budget")));
        battery.AddRow("Race to idle vs paced", Esc(b.Winner));
        console.Write(battery);

        var t = r.Thermal;
        var thermal = new Table().Title("[bold]Thermal[/] [yellow](estimated, first-order RC)[/]").AddColumns("Property", "Value").HideHeaders();
        thermal.AddRow("Model", Esc(F($"R {t.ResistanceCPerW:G3} °C/W, τ {t.TimeConstantS:G3} s, ambient {t.AmbientC:G3} °C, limit {t.LimitC:G3} °C")));
        thermal.AddRow("Steady state", Esc(F($"{t.SteadyStateC:F1} °C at {t.PowerW:G3} W")));
        thermal.AddRow("Time to limit", t.SecondsToLimit is { } sec ? Esc(F($"{sec:F0} s")) : "never at this power");
        if (t.ThrottledLatencyMs is { } tl) thermal.AddRow("Latency once throttled", Esc(F($"{tl:G4} ms")));
        thermal.AddRow("Max sustained rate", Esc(F($"{t.MaxSustainedRatePerSecond:G4}/s")));
        foreach (var advice in t.Recommendations) thermal.AddRow("Recommendation", Esc(advice));
        console.Write(thermal);

        var coefficients = new Table().Title("[bold]Coefficients[/]").AddColumns("Coefficient", "Value", "Unit", "Source");
        foreach (var c in r.Coefficients)
            coefficients.AddRow(Esc(c.Name), F($"{c.Value:G4}"), Esc(c.Unit), (c.Fitted ? "[yellow]fitted[/]: " : "") + Esc(c.Source));
        foreach (var (field, source) in r.DeviceSources) coefficients.AddRow(Esc("device " + field), "", "", Esc(source));
        console.Write(coefficients);
        console.MarkupLine("[grey]" + Esc(r.Method) + "[/]");
    }

    public static void WriteValidationJson(CommandContext context, IReadOnlyList<AnchorCheck> checks)
    {
        var rows = new JsonArray();
        foreach (var c in checks)
            rows.Add(new JsonObject
            {
                ["anchor"] = c.Anchor.Name, ["device"] = c.Anchor.DeviceId, ["quantity"] = JsonValue.Create(c.Anchor.Quantity.ToString()),
                ["published"] = c.Anchor.Published, ["derivation"] = c.Anchor.Derivation, ["source"] = c.Anchor.Source,
                ["estimated"] = c.Estimated, ["estimatedLatencyMs"] = c.EstimatedLatencyMs, ["ratio"] = c.Ratio,
                ["role"] = c.Fitted ? "fitted" : "held-out", ["withinGoal"] = c.WithinGoal,
            });
        var heldOut = checks.Where(c => !c.Fitted).ToList();
        var root = new JsonObject
        {
            ["provenance"] = "estimated vs published",
            ["model"] = "ResNet-50 v1.5 (GraphBuilder)",
            ["goal"] = F($"{PowerValidation.LowestRatio}x-{PowerValidation.HighestRatio}x"),
            ["heldOutWithinGoal"] = heldOut.Count(c => c.WithinGoal),
            ["heldOut"] = heldOut.Count,
            ["anchors"] = rows,
        };
        context.Output.WriteLine(root.ToJsonString(CommandRunner.Json));
    }

    public static void RenderValidation(IAnsiConsole console, IReadOnlyList<AnchorCheck> checks)
    {
        var table = new Table().Title("[bold]Energy model vs published measurements[/] (ResNet-50 v1.5)")
            .AddColumns("Anchor", "Role", "Published", "Estimated", "Ratio", "Est. latency ms");
        for (var i = 2; i < 6; i++) table.Columns[i].RightAligned();
        foreach (var c in checks)
        {
            var unit = c.Anchor.Quantity == AnchorQuantity.EnergyPerInference ? "J" : "W";
            var ratio = F($"{c.Ratio:F2}x");
            table.AddRow(Esc(c.Anchor.Name), c.Fitted ? "fitted" : "held out", Esc(F($"{c.Anchor.Published:G4} {unit} ({c.Anchor.Derivation})")),
                F($"{c.Estimated:G4} {unit}"), c.Fitted ? ratio : c.WithinGoal ? $"[green]{ratio}[/]" : $"[red]{ratio}[/]",
                F($"{c.EstimatedLatencyMs:G4}"));
        }
        console.Write(table);
        foreach (var source in checks.Select(c => c.Anchor.Source).Distinct()) console.MarkupLine("[grey]source: " + Esc(source) + "[/]");
        var heldOut = checks.Where(c => !c.Fitted).ToList();
        console.MarkupLine(Esc(F($"held-out anchors within {PowerValidation.LowestRatio}x-{PowerValidation.HighestRatio}x: {heldOut.Count(c => c.WithinGoal)} of {heldOut.Count}; fitted anchors are 1.00x by construction")));
    }

    private static string Mj(double joules) => F($"{joules * 1e3:G4} mJ");

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Esc(string s) => Markup.Escape(s);
}
