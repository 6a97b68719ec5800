using System.Globalization;
using EdgeOpt.Deployment;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>Renders a <see cref="DeploymentResult"/>: the candidate table, the choice, the constraint margins and the notes.</summary>
internal static class DeployRenderer
{
    public static void Render(IAnsiConsole console, DeploymentResult result, string outputFolder)
    {
        var front = new HashSet<string>(result.ParetoFront, StringComparer.Ordinal);
        var labelled = result.AccuracyMetric == "accuracy";
        // Narrow columns and no borders: the table must stay readable at 80 columns (pipes, CI logs).
        var table = new Table().Border(TableBorder.Simple).Collapse()
            .Title(Esc($"Candidates for {result.Target.Name} ({result.Target.Id}): * chosen, P Pareto front"));
        foreach (var (header, right) in new[]
        {
            ("", false), ("Precision", false), ("Backend", false), (labelled ? "Accuracy" : "Cosine", true),
            ("Est. ms", true), ("Est. mem", true), ("Size", true), ("Host ms", true),
        })
        {
            var column = new TableColumn(header).PadLeft(0).PadRight(1);
            table.AddColumn(right ? column.RightAligned() : column);
        }
        foreach (var c in result.Candidates)
        {
            var mark = (c.Key == result.ChosenKey ? "*" : " ") + (front.Contains(c.Key) ? "P" : " ");
            var quality = c.Status switch
            {
                CandidateStatus.Pruned => "pruned",
                CandidateStatus.OutOfTime => "no time",
                CandidateStatus.Failed => "[red]failed[/]",
                _ => Esc(labelled ? c.MeasuredAccuracy is { } a ? F($"{a:P2}") : "-" : c.MeasuredCosine is { } cos ? F($"{cos:0.#####}") : "-"),
            };
            var row = new[]
            {
                mark, Esc(Precision(c.Spec)), Esc(Backend(c.Spec)), quality,
                c.EstimatedLatencyMs is { } l ? F($"{l:0.###}") : "-",
                c.EstimatedMemoryBytes is { } m ? Compact(m) : "-",
                c.SizeBytes is { } s ? Compact(s) : "-",
                c.MeasuredLatencyP50Ms is { } p ? F($"{p:0.###}") : "-",
            };
            table.AddRow(c.Key == result.ChosenKey ? [.. row.Select(r => $"[bold]{r}[/]")] : row);
        }
        console.Write(table);
        console.MarkupLine("[dim]Est.: estimated on the target (ms per batch, peak memory); Host ms: p50 measured here; pc/pt: per-channel/per-tensor; pF: channel-pruned to F× MACs; Nt: N threads[/]");
        RenderEnergy(console, result, front);

        var chosen = result.Chosen;
        console.MarkupLine($"[bold]Chosen:[/] {Esc(chosen.Label)}");
        if (chosen.Power is { } cp)
            console.MarkupLine(Esc(F($"  {Devices.PowerModeNames.Of(cp.Mode)} mode ({cp.PointName}): {cp.EnergyMj:G3} mJ per inference, ") +
                (cp.AveragePowerW is { } w ? F($"{w:G3} W average, ") : "") + (cp.BatteryHours is { } bh ? F($"{bh:0.#} h battery, ") : "") + F($"{cp.SteadyStateC:F0} °C steady (estimated)")));
        console.MarkupLine(result.ConstraintsMet ? "[green]It meets every constraint.[/]" : "[red]No candidate meets every constraint: this is the closest.[/]");
        foreach (var check in result.Checks)
            console.MarkupLine($"  {(check.Met ? "[green]met[/]   " : "[red]missed[/]")} {Esc(Describe(check))}");
        if (result.Checks.Count == 0) console.MarkupLine("  no constraints given: the fastest candidate on the target");
        var failedOrSkipped = result.Candidates.Where(c => c.Status is CandidateStatus.Failed or CandidateStatus.Pruned).ToList();
        foreach (var c in result.Candidates.Where(c => c.Power is { Rejections.Count: > 0 } && c.Key != result.ChosenKey))
            console.MarkupLine($"[dim]{Esc(c.Label)}: misses {Esc(string.Join("; ", c.Power!.Rejections))}[/]");
        foreach (var c in failedOrSkipped)
            console.MarkupLine($"[dim]{Esc(c.Label)}: {Esc(c.Status == CandidateStatus.Pruned ? "pruned" : "failed")}: {Esc(Short(c.Reason ?? ""))}[/]");
        int Count(CandidateStatus status) => result.Candidates.Count(c => c.Status == status);
        // Cached results (evaluated or failed earlier) are part of those counts: say how many, so a rerun does not read as work done.
        console.MarkupLine(Esc(F($"{Count(CandidateStatus.Evaluated)} evaluated, {Count(CandidateStatus.Failed)} failed, {Count(CandidateStatus.Pruned)} pruned, {Count(CandidateStatus.OutOfTime)} out of time; {result.Provenance.CachedCandidates} of the results read from the results store; {result.Provenance.ElapsedSeconds:0.#} s")));
        console.MarkupLine($"Written to {Esc(outputFolder)}: {Esc(string.Join(", ", result.Files))}");
        foreach (var note in result.Notes) console.MarkupLine($"[dim]note: {Esc(note)}[/]");
    }

    /// <summary>
    /// The energy table, when the deployment estimated power: each evaluated candidate in its power mode, with energy
    /// per inference, average power, battery life and steady-state temperature at the rate (a second table keeps the
    /// candidate table within 80 columns).
    /// </summary>
    private static void RenderEnergy(IAnsiConsole console, DeploymentResult result, HashSet<string> front)
    {
        var withPower = result.Candidates.Where(c => c.Power is not null).ToList();
        if (withPower.Count == 0) return;
        var rate = withPower[0].Power!.RatePerSecond;
        var table = new Table().Border(TableBorder.Simple).Collapse()
            .Title(Esc(F($"Energy on {result.Target.Name} at {rate:G4} inferences/s (estimated)")));
        foreach (var (header, right) in new[]
        {
            ("", false), ("Precision", false), ("Backend", false), ("Mode", false), ("mJ", true), ("W", true), ("Batt h", true), ("°C", true),
        })
        {
            var column = new TableColumn(header).PadLeft(0).PadRight(1);
            table.AddColumn(right ? column.RightAligned() : column);
        }
        foreach (var c in withPower)
        {
            var p = c.Power!;
            var mark = (c.Key == result.ChosenKey ? "*" : " ") + (front.Contains(c.Key) ? "P" : " ");
            var row = new[]
            {
                mark, Esc(Precision(c.Spec)), Esc(Backend(c.Spec)), Esc(Devices.PowerModeNames.Of(p.Mode)) + (p.Rejections.Count > 0 ? " [red]![/]" : ""),
                F($"{p.EnergyMj:G3}"), p.AveragePowerW is { } w ? F($"{w:0.###}") : "-", p.BatteryHours is { } h ? F($"{h:0.#}") : "-", F($"{p.SteadyStateC:F0}"),
            };
            table.AddRow(c.Key == result.ChosenKey ? [.. row.Select(r => $"[bold]{r}[/]")] : row);
        }
        console.Write(table);
        console.MarkupLine("[dim]Mode: the fastest power mode meeting the battery, power and thermal limits (! none does); mJ per inference, device idle included; W: average at the rate[/]");
    }

    /// <summary>The precision column: the precision, per-channel (pc) or per-tensor (pt) where it matters, a non-default ORT level, and a <c>pF/</c> prefix for a model channel-pruned to F× MACs first.</summary>
    private static string Precision(CandidateSpec spec)
    {
        var text = spec.Precision switch
        {
            CandidatePrecision.Fp32 => "fp32",
            CandidatePrecision.Fp16 => "fp16",
            CandidatePrecision.Int8Static => "int8-static",
            CandidatePrecision.Int8Dynamic => "int8-dyn",
            CandidatePrecision.Int4WeightOnly => "int4",
            _ => "mixed",
        };
        // No spaces: a cell that cannot wrap keeps the table one line per candidate at 80 columns.
        if (spec.Precision is CandidatePrecision.Int8Static or CandidatePrecision.Int8Dynamic or CandidatePrecision.Mixed) text += spec.PerChannel ? "/pc" : "/pt";
        if (spec.OptimizationLevel != Runtime.GraphOptimization.All) text += "/" + spec.OptimizationLevel.ToString().ToLowerInvariant();
        if (spec.BatchSize != 1) text += F($"/b{spec.BatchSize}");
        if (spec.PruneMacs is { } macs) text = F($"p{macs:0.###}/") + text;
        return text;
    }

    /// <summary>The backend and, where threads matter, their count: <c>cpu/2t</c>, <c>nnapi</c>.</summary>
    private static string Backend(CandidateSpec spec)
    {
        var name = spec.Backend.ToString().ToLowerInvariant();
        return spec.Backend is Devices.AccelerationBackend.Cpu or Devices.AccelerationBackend.Xnnpack or Devices.AccelerationBackend.Wasm
            ? F($"{name}/{spec.Threads}t") : name;
    }

    /// <summary>Bytes in at most 8 characters: <c>482 KiB</c>, <c>44.6 MiB</c>.</summary>
    private static string Compact(long n) => n >= 1 << 20 ? F($"{n / 1048576.0:0.#} MiB") : n >= 1 << 10 ? F($"{n / 1024.0:0} KiB") : F($"{n} B");

    /// <summary>A reason cut to 200 characters (report.json keeps it whole).</summary>
    private static string Short(string reason) => reason.Length <= 200 ? reason : reason[..199] + "… (whole reason in report.json)";

    /// <summary>A check in one line with its margin.</summary>
    public static string Describe(ConstraintCheck k)
    {
        var value = k.Value is { } v ? Show(v) : "not measured";
        var margin = k.Margin is { } m ? (k.Met ? $"met by {Show(Math.Abs(m))}" : $"missed by {Show(Math.Abs(m))}") : "cannot be checked";
        return $"{k.Constraint}: {value} vs limit {Show(k.Limit)} {k.Unit}, {margin} ({k.Provenance})";
    }

    private static string Show(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string Esc(string s) => Markup.Escape(s);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
