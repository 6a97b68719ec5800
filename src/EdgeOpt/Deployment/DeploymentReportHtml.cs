using System.Text;
using EdgeOpt.Analysis;
using EdgeOpt.Deployment.Reporting;
using EdgeOpt.Devices;
using static EdgeOpt.Deployment.Reporting.Html;

namespace EdgeOpt.Deployment;

/// <summary>
/// A deployment's <c>report.html</c>: one self-contained page that works offline and without scripts — the verdict,
/// the Pareto chart (inline SVG drawn here), every candidate with measured and estimated figures told apart, the
/// constraint check with margins, per-layer sensitivity, device fit, provenance and notes. A Content-Security-Policy
/// forbids every script and every fetch, and every string from the model, paths or the device is escaped. The markup is
/// also well-formed XML (void elements self-closed), so tools and tests can read it with an XML parser.
/// </summary>
public static class DeploymentReportHtml
{
    private const string MeasuredTag = "<span class=\"tag measured\">measured</span>";
    private const string EstimatedTag = "<span class=\"tag estimated\">estimated</span>";

    /// <summary>The whole page as a string.</summary>
    public static string Render(DeploymentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var page = new ReportPage(result);
        return page.Render();
    }

    /// <summary>Writes the page to <paramref name="path"/> atomically (a temporary sibling moved into place).</summary>
    /// <exception cref="UsageException">The folder of <paramref name="path"/> does not exist or does not accept new files.</exception>
    public static void Write(DeploymentResult result, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.WriteAllText(path, Render(result));
    }

    /// <summary>Which measured figure stands for "quality" in the chart and the headline.</summary>
    private enum Quality
    {
        Accuracy,
        Top1Agreement,
        Cosine,
    }

    private sealed class ReportPage(DeploymentResult result)
    {
        private readonly StringBuilder html = new();
        private readonly IReadOnlyList<CandidateResult> candidates = result.Candidates;
        private readonly HashSet<string> front = new(result.ParetoFront, StringComparer.Ordinal);
        private readonly Quality quality = ChooseQuality(result);
        private readonly CandidateResult? chosen = result.Candidates.FirstOrDefault(c => c.Key == result.ChosenKey);
        private readonly bool web = string.Equals(result.Target.Platform, nameof(EdgePlatform.Web), StringComparison.OrdinalIgnoreCase);

        private string Device => result.Target.Name;

        public string Render()
        {
            var model = Path.GetFileName(result.Provenance.ModelPath);
            html.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>");
            // Nothing may run or be fetched: the page must read the same offline, from a mail attachment or a CI artefact.
            html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"/>");
            html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><link rel=\"icon\" href=\"data:,\"/>");
            html.Append(F($"<title>EdgeOpt deployment: {E(model)} on {E(Device)}</title><style>{Css}</style></head><body>"));
            Headline(model);
            Notes();
            Chart();
            EnergyChart();
            Constraints();
            Candidates();
            Sensitivity();
            DeviceFit();
            Provenance();
            html.Append("</body></html>\n");
            return html.ToString();
        }

        private void Headline(string model)
        {
            html.Append(F($"<header><h1>{E(model)} → {E(Device)}</h1>"));
            var verdict = result.ConstraintsMet
                ? "<p class=\"verdict met\" id=\"verdict\">✔ Constraints met</p>"
                : "<p class=\"verdict not-met\" id=\"verdict\">✘ Constraints not met — the closest candidate was written</p>";
            html.Append(verdict);
            if (chosen is null)
            {
                html.Append(F($"<p>No candidate was chosen (key {E(result.ChosenKey)} is not among the candidates).</p></header>"));
                return;
            }
            html.Append(F($"<p class=\"choice\">Chosen: <strong>{E(chosen.Label)}</strong> (row #{Row(chosen)})</p><dl class=\"figures\">"));
            Figure($"Latency on {Device}", Ms(chosen.EstimatedLatencyMs), EstimatedTag);
            Figure($"Memory on {Device}", Mb(chosen.EstimatedMemoryBytes), EstimatedTag);
            Figure(QualityName, QualityText(chosen), MeasuredTag);
            Figure("Host latency p50", Ms(chosen.MeasuredLatencyP50Ms), MeasuredTag);
            Figure("Model size", Mb(chosen.SizeBytes), MeasuredTag);
            html.Append("</dl>");
            var failed = result.Checks.Where(c => !c.Met).ToList();
            if (failed.Count > 0)
                html.Append(F($"<p class=\"failed\">Failed: {E(string.Join("; ", failed.Select(c => $"{c.Constraint} by {Margin(c)}")))}</p>"));
            html.Append(F($"<p class=\"meta\">{result.Candidates.Count(c => c.Status == CandidateStatus.Evaluated)} of {candidates.Count} candidates evaluated · platform {E(result.Target.Platform)} · device class {E(result.Target.DeviceClass)}</p></header>"));
        }

        private void Figure(string name, string value, string tag) =>
            html.Append(F($"<div><dt>{E(name)} {tag}</dt><dd>{E(value)}</dd></div>"));

        private void Notes()
        {
            var notes = new List<string>(result.Notes);
            if (quality != Quality.Accuracy && !notes.Any(n => n.Contains("fidelity", StringComparison.OrdinalIgnoreCase)))
                notes.Insert(0, $"accuracy stated as fidelity to FP32 ({QualityName.ToLowerInvariant()}): no labels");
            if (result.Target.BorrowedFrom is { } from && result.Target.Borrowed.Count > 0)
                notes.Add($"custom device: {string.Join(", ", result.Target.Borrowed)} borrowed from {from}");
            if (notes.Count == 0) return;
            html.Append("<section id=\"notes\"><h2>Notes</h2><ul>");
            foreach (var note in notes) html.Append(F($"<li>{E(note)}</li>"));
            html.Append("</ul></section>");
        }

        private void Chart()
        {
            html.Append("<section id=\"chart\"><h2>Pareto chart</h2>");
            var points = candidates
                .Where(c => c.Status == CandidateStatus.Evaluated && c.EstimatedLatencyMs is > 0 && QualityOf(c) is not null)
                .Select(c => new ChartPoint(Row(c), c.Label, c.EstimatedLatencyMs!.Value, QualityOf(c)!.Value, c.SizeBytes, front.Contains(c.Key), c.Key == result.ChosenKey))
                .ToList();
            if (points.Count == 0)
            {
                html.Append("<p>No candidate has both a target latency estimate and a measured quality to plot.</p></section>");
                return;
            }
            html.Append("<figure>");
            html.Append(ParetoChartSvg.Render(points, $"Latency per batch, ms — estimated on {Device}", $"{QualityName} — measured on this host", QualityTick));
            var unplotted = candidates.Count - points.Count;
            html.Append(F($"<figcaption>Across: latency on {E(Device)} (estimated). Up: {E(QualityName.ToLowerInvariant())} (measured on this host). Filled: the Pareto front over quality, target latency, size and memory."));
            if (unplotted > 0) html.Append(F($" {unplotted} candidate{(unplotted == 1 ? " is" : "s are")} not plotted (pruned, out of time, failed or without figures); the table lists {(unplotted == 1 ? "it" : "them")}."));
            html.Append("</figcaption></figure></section>");
        }

        /// <summary>Energy against latency per power mode, and the figures as a table (only when the deployment estimated power).</summary>
        private void EnergyChart()
        {
            var withPower = candidates.Where(c => c.Power is not null).ToList();
            if (withPower.Count == 0) return;
            html.Append("<section id=\"energy\"><h2>Energy and battery</h2>");
            var points = withPower.SelectMany(c => c.Power!.Modes.Where(m => m.LatencyMs > 0 && m.EnergyPerInferenceJ > 0).Select(m =>
                new EnergyPoint(Row(c), c.Label, m.Mode, m.LatencyMs, m.EnergyPerInferenceJ * 1e3, c.Key == result.ChosenKey && m.Mode == c.Power.Mode))).ToList();
            if (points.Count > 0)
            {
                html.Append("<figure>");
                html.Append(EnergyChartSvg.Render(points, $"Latency, ms — estimated on {Device} by the power model"));
                html.Append(F($"<figcaption>Each candidate in each power mode weighed: latency across, energy per inference (device idle included) up, both estimated at {withPower[0].Power!.RatePerSecond:G4} inferences/s. Ringed: the choice in its mode.</figcaption></figure>"));
            }
            html.Append("<div class=\"scroll\"><table class=\"energy\"><thead><tr><th>#</th><th>Candidate</th><th>Mode</th><th>Latency</th><th>Energy</th><th>Average power</th><th>Battery</th><th>Steady state</th><th>Misses</th></tr></thead><tbody>");
            foreach (var c in withPower)
                foreach (var m in c.Power!.Modes)
                {
                    var mine = m.Mode == c.Power.Mode;
                    html.Append(F($"<tr class=\"{(mine ? "mode-chosen" : "mode-other")}{(c.Key == result.ChosenKey && mine ? " chosen" : "")}\"><td class=\"num\">{Row(c)}</td><td>{E(c.Label)}</td><td>{E(m.PointName)}{(mine ? " ✓" : "")}</td>"));
                    Cell(Ms(m.LatencyMs));
                    Cell(F($"{m.EnergyPerInferenceJ * 1e3:G3} mJ"));
                    Cell(m.AveragePowerW is { } w ? F($"{w:G3} W") : "—");
                    Cell(m.BatteryHours is { } h ? F($"{h:0.#} h") : "—");
                    Cell(F($"{m.SteadyStateC:F0} °C"));
                    html.Append(F($"<td>{E(string.Join("; ", m.Rejections))}</td></tr>"));
                }
            html.Append("</tbody></table></div><p class=\"meta\">✓: the mode the candidate is judged in (the fastest meeting the battery, power and thermal limits). All figures estimated.</p></section>");
        }

        private void Constraints()
        {
            html.Append("<section id=\"constraints\"><h2>Constraint check</h2>");
            html.Append(F($"<p class=\"asked\">Asked: {E(Asked(result.Config))}</p>"));
            if (result.Checks.Count == 0)
            {
                html.Append("<p>No constraint was given: the fastest candidate on the target was chosen.</p></section>");
                return;
            }
            html.Append(F($"<table class=\"constraints\"><thead><tr><th>Constraint</th><th>Limit</th><th>Chosen</th><th>Margin</th><th>Met</th><th>Figure</th></tr></thead><tbody>"));
            foreach (var c in result.Checks)
            {
                html.Append(F($"<tr class=\"{(c.Met ? "met" : "not-met")}\"><td>{E(c.Constraint)}</td><td class=\"num\">{E(Value(c.Limit, c.Unit))}</td>"));
                html.Append(F($"<td class=\"num\">{E(c.Value is { } v ? Value(v, c.Unit) : "—")}</td><td class=\"num\">{E(Margin(c))}</td>"));
                html.Append(F($"<td>{(c.Met ? "✔ met" : "✘ not met")}</td><td>{ProvenanceTag(c.Provenance)}</td></tr>"));
            }
            html.Append("</tbody></table></section>");
        }

        private void Candidates()
        {
            var hasAccuracy = candidates.Any(c => c.MeasuredAccuracy is not null);
            var hasAgreement = candidates.Any(c => c.MeasuredTop1Agreement is not null);
            var measuredColumns = 5 + (hasAccuracy ? 1 : 0) + (hasAgreement ? 1 : 0);
            var hasPower = candidates.Any(c => c.Power is not null);
            var estimatedColumns = (web ? 4 : 3) + (hasPower ? 2 : 0);
            html.Append(F($"<section id=\"candidates\"><h2>Candidates</h2><p>Every candidate considered, in the order considered. Measured figures were taken on this host with ONNX Runtime; estimated ones are the latency model's for {E(Device)}.</p>"));
            html.Append("<div class=\"scroll\"><table class=\"candidates\"><thead><tr><th colspan=\"4\"></th>");
            html.Append(F($"<th colspan=\"{measuredColumns}\" class=\"group measured\">Measured on this host</th><th colspan=\"{estimatedColumns}\" class=\"group estimated\">Estimated on {E(Device)}</th></tr><tr>"));
            html.Append("<th>#</th><th>Candidate</th><th>Status</th><th>Front</th><th class=\"measured\">Size</th>");
            if (hasAccuracy) html.Append("<th class=\"measured\">Accuracy</th>");
            if (hasAgreement) html.Append("<th class=\"measured\">Top-1 agreement</th>");
            html.Append("<th class=\"measured\">Cosine to FP32</th><th class=\"measured\">p50</th><th class=\"measured\">p90</th><th class=\"measured\">Peak memory</th>");
            html.Append("<th class=\"estimated\">Latency</th><th class=\"estimated\">Memory</th><th class=\"estimated\">Fits class</th>");
            if (web) html.Append("<th class=\"estimated\">Initial load</th>");
            if (hasPower) html.Append("<th class=\"estimated\">Energy</th><th class=\"estimated\">Battery</th>");
            html.Append("</tr></thead><tbody>");
            foreach (var c in candidates)
            {
                var classes = new List<string> { "status-" + c.Status.ToString().ToLowerInvariant() };
                if (c.Key == result.ChosenKey) classes.Add("chosen");
                if (front.Contains(c.Key)) classes.Add("front");
                html.Append(F($"<tr class=\"{string.Join(' ', classes)}\" id=\"row-{Row(c)}\" data-key=\"{E(c.Key)}\"><td class=\"num\">{Row(c)}</td>"));
                html.Append(F($"<td>{E(c.Label)}{(c.Key == result.ChosenKey ? " <span class=\"tag chosen\">chosen</span>" : "")}</td><td>{E(StatusText(c))}"));
                if (c.Reason is { Length: > 0 } reason) html.Append(F($"<div class=\"reason\">{E(reason)}</div>"));
                html.Append(F($"</td><td>{(front.Contains(c.Key) ? "★" : "")}</td>"));
                Cell(Mb(c.SizeBytes));
                if (hasAccuracy) Cell(Percent(c.MeasuredAccuracy));
                if (hasAgreement) Cell(Percent(c.MeasuredTop1Agreement));
                Cell(Html.Cosine(c.MeasuredCosine));
                Cell(Ms(c.MeasuredLatencyP50Ms) + (c.MeasuredBaselineP50Ms is > 0 && c.MeasuredLatencyP50Ms is { } p50
                    ? F($" ({p50 / c.MeasuredBaselineP50Ms.Value:0.00}× FP32)") : ""));
                Cell(Ms(c.MeasuredLatencyP90Ms));
                Cell(Mb(c.MeasuredPeakMemoryBytes));
                Cell(Ms(c.EstimatedLatencyMs));
                Cell(Mb(c.EstimatedMemoryBytes));
                Cell(c.FitsDeviceClass switch { true => "yes", false => "no", null => "—" });
                if (web) Cell(Mb(c.InitialLoadBytes));
                if (hasPower)
                {
                    Cell(c.Power is { } p ? F($"{p.EnergyMj:G3} mJ") : "—");
                    Cell(c.Power?.BatteryHours is { } bh ? F($"{bh:0.#} h") : "—");
                }
                html.Append("</tr>");
            }
            html.Append("</tbody></table></div></section>");
        }

        private void Cell(string text) => html.Append(F($"<td class=\"num\">{E(text)}</td>"));

        private void Sensitivity()
        {
            var withSensitivity = candidates.Where(c => c.Sensitivity.Count > 0).ToList();
            if (withSensitivity.Count == 0) return;
            html.Append("<section id=\"sensitivity\"><h2>Per-layer sensitivity</h2><p>From the accuracy search: accuracy with only that layer quantized " +
                "(measured on this host), most harmful first. Layers marked (float) were kept in float in the candidate.</p>");
            const int Shown = 25;
            foreach (var c in withSensitivity)
            {
                html.Append(F($"<h3>#{Row(c)} {E(c.Label)}</h3><figure>"));
                var layers = c.Sensitivity.Take(Shown).ToList();
                html.Append(SensitivityChartSvg.Render(layers, c.FloatNodes.ToHashSet(StringComparer.Ordinal), d => F($"{d:0.00} pts")));
                html.Append(F($"<figcaption>Accuracy drop in percentage points when the layer alone is quantized {MeasuredTag}"));
                if (c.Sensitivity.Count > Shown) html.Append(F($"; the {Shown} most harmful of {c.Sensitivity.Count} layers shown"));
                html.Append(F($". {c.FloatNodes.Count} node{(c.FloatNodes.Count == 1 ? "" : "s")} kept in float.</figcaption></figure>"));
            }
            html.Append("</section>");
        }

        private void DeviceFit()
        {
            var target = result.Target;
            html.Append(F($"<section id=\"device\"><h2>Device fit</h2><table class=\"device\"><tbody>"));
            Row2("Device", $"{target.Name} ({target.Id})");
            Row2("Platform", target.Platform);
            var classTarget = Enum.TryParse<DeviceClass>(target.DeviceClass, ignoreCase: true, out var deviceClass)
                ? LatencyEstimator.ClassTarget(deviceClass) : (long?)null;
            Row2("Device class", classTarget is { } t ? $"{target.DeviceClass}: keep the model's footprint under {Mb(t)}" : target.DeviceClass);
            if (chosen is not null)
            {
                var memory = chosen.EstimatedMemoryBytes;
                var fits = chosen.FitsDeviceClass switch { true => "fits", false => "does not fit", null => "unknown" };
                var headroom = memory is { } m && classTarget is { } ct ? $" ({Mb(ct - m)} {(ct >= m ? "to spare" : "over")})" : "";
                html.Append(F($"<tr><th>Chosen model's memory {EstimatedTag}</th><td>{E($"{Mb(memory)}: {fits}{headroom}")}</td></tr>"));
                if (web)
                {
                    var load = chosen.InitialLoadBytes;
                    var ok = load is { } l ? (l < LatencyEstimator.BrowserInitialLoadBytes ? "under" : "over") + $" the {Mb(LatencyEstimator.BrowserInitialLoadBytes)} browser target" : "unknown";
                    html.Append(F($"<tr><th>Initial load {EstimatedTag}</th><td>{E($"{Mb(load)}: {ok}")}</td></tr>"));
                }
                html.Append(F($"<tr><th>Backend</th><td>{E(chosen.Spec.Backend.ToString())}, {chosen.Spec.Threads} thread{(chosen.Spec.Threads == 1 ? "" : "s")}, batch {chosen.Spec.BatchSize}</td></tr>"));
                if (chosen.Pruning is { } pruning) html.Append(F($"<tr><th>Pruning {MeasuredTag}</th><td>{E(PruningText(pruning))}</td></tr>"));
            }
            if (target.BorrowedFrom is { } from)
                Row2("Custom device", target.Borrowed.Count > 0 ? $"figures borrowed from {from}: {string.Join(", ", target.Borrowed)}" : $"closest catalogue entry {from}; nothing borrowed");
            html.Append("</tbody></table></section>");
        }

        private static string PruningText(CandidatePruning p) =>
            F($"structured to {p.MacRatio:0.###}× MACs (target {p.TargetMacs:0.###}×), {p.ParameterRatio:0.###}× parameters, {p.GroupsPruned} channel groups cut, ") +
            (p.ReconstructionSamples > 0 ? F($"reconstructed on {p.ReconstructionSamples} calibration samples") : "not reconstructed (no data)") +
            F($"; pruned FP32 cosine {p.Cosine:0.####}");

        private void Row2(string name, string value) => html.Append(F($"<tr><th>{E(name)}</th><td>{E(value)}</td></tr>"));

        private void Provenance()
        {
            var p = result.Provenance;
            html.Append("<section id=\"provenance\"><h2>Provenance</h2><table class=\"provenance\"><tbody>");
            Row2("EdgeOpt", p.ToolVersion);
            Row2("Input model", p.ModelPath);
            html.Append(F($"<tr><th>Input SHA-256</th><td><code>{E(p.ModelSha256)}</code></td></tr>"));
            Row2("Measured on (host)", p.Host);
            Row2("Started", p.Started.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture));
            Row2("Elapsed", F($"{p.ElapsedSeconds:0.0} s"));
            Row2("Candidates from the results store", F($"{p.CachedCandidates} of {candidates.Count}"));
            html.Append(F($"<tr><th>Command</th><td><code>{E(p.Command)}</code></td></tr>"));
            if (result.Files.Count > 0) Row2("Files written", string.Join(", ", result.Files));
            html.Append("</tbody></table>");
            html.Append("<details open=\"open\"><summary>Commands that reproduce each candidate</summary><table class=\"commands\"><tbody>");
            foreach (var c in candidates)
                html.Append(F($"<tr><td class=\"num\">#{Row(c)}</td><td>{E(c.Label)}</td><td><code>{E(c.Command)}</code></td></tr>"));
            html.Append("</tbody></table></details></section>");
        }

        private int Row(CandidateResult c)
        {
            for (var i = 0; i < candidates.Count; i++)
                if (ReferenceEquals(candidates[i], c)) return i + 1;
            return 0;
        }

        private string QualityName => quality switch
        {
            Quality.Accuracy => "Top-1 accuracy",
            Quality.Top1Agreement => "Top-1 agreement with FP32",
            _ => "Cosine similarity to FP32",
        };

        private double? QualityOf(CandidateResult c) => quality switch
        {
            Quality.Accuracy => c.MeasuredAccuracy,
            Quality.Top1Agreement => c.MeasuredTop1Agreement,
            _ => c.MeasuredCosine,
        };

        private string QualityText(CandidateResult c) => quality == Quality.Cosine ? Html.Cosine(c.MeasuredCosine) : Percent(QualityOf(c));

        private string QualityTick(double v) => quality == Quality.Cosine ? Significant(v) : F($"{v * 100:0.##} %");

        private static Quality ChooseQuality(DeploymentResult result)
        {
            var evaluated = result.Candidates.Where(c => c.Status == CandidateStatus.Evaluated).ToList();
            if (string.Equals(result.AccuracyMetric, "accuracy", StringComparison.OrdinalIgnoreCase) && evaluated.Any(c => c.MeasuredAccuracy is not null))
                return Quality.Accuracy;
            return evaluated.Any(c => c.MeasuredTop1Agreement is not null) ? Quality.Top1Agreement : Quality.Cosine;
        }

        /// <summary>The config searched under, as one line (constraints first, then the settings).</summary>
        private static string Asked(OptimizationConfig c)
        {
            var parts = new List<string>();
            if (c.TargetAccuracy is { } ta) parts.Add(F($"keep ≥ {ta * 100:0.##} % of FP32 accuracy"));
            if (c.MaxAccuracyDrop is { } drop) parts.Add(F($"accuracy drop ≤ {drop:0.##} points"));
            if (c.TargetLatencyMs is { } ms) parts.Add(F($"latency ≤ {ms:0.###} ms"));
            if (c.MaxMemoryMb is { } mb) parts.Add(F($"memory ≤ {mb:0.##} MB"));
            if (c.CompressionRatio is { } r) parts.Add(F($"size ≤ {r:0.###} × original"));
            if (c.BatteryHours is { } h) parts.Add(F($"battery ≥ {h:0.##} h"));
            if (c.MaxPowerWatts is { } w) parts.Add(F($"average power ≤ {w:0.###} W"));
            if (c.ThermalLimitCelsius is { } tc) parts.Add(F($"steady state ≤ {tc:0.#} °C"));
            if (c.RatePerSecond is { } rate) parts.Add(F($"at {rate:0.###} inferences/s"));
            if (c.BatteryWh is { } wh) parts.Add(F($"{wh:0.##} Wh battery"));
            parts.Add(c.Quantization is { } q ? $"precision {q}" : "precision auto");
            parts.Add(F($"batch {c.BatchSize}"));
            parts.Add(c.Threads is { } t ? F($"{t} threads") : "threads searched");
            if (c.PruneMacs.Count > 0) parts.Add("channel pruning to " + string.Join(", ", c.PruneMacs.Select(m => F($"{m:0.###}×"))) + " MACs");
            if (c.TimeBudget is { } budget) parts.Add("time budget " + budget.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
            if (c.BatteryOptimization) parts.Add("battery optimization");
            if (c.EnableProgressiveLoading) parts.Add("progressive loading");
            return string.Join(", ", parts);
        }

        private static string StatusText(CandidateResult c) => c.Status switch
        {
            CandidateStatus.Evaluated => "evaluated",
            CandidateStatus.Pruned => "pruned",
            CandidateStatus.OutOfTime => "out of time",
            _ => "failed",
        };

        private static string ProvenanceTag(string provenance) =>
            provenance.Contains("estimated", StringComparison.OrdinalIgnoreCase) ? EstimatedTag
            : provenance.Contains("measured", StringComparison.OrdinalIgnoreCase) ? MeasuredTag
            : F($"<span class=\"tag\">{E(provenance)}</span>");

        private static string Value(double v, string unit) => unit switch
        {
            "%" => F($"{v:0.##} %"),
            "" => Significant(v),
            _ => $"{Significant(v)} {unit}",
        };

        private static string Margin(ConstraintCheck c) => c.Margin is { } m
            ? (m >= 0 ? "+" : "−") + Value(Math.Abs(m), c.Unit) + (m >= 0 ? " to spare" : " short")
            : "—";
    }

    // Shared with the sweep report (EdgeOpt.Sweep), so both reports look alike.
    internal const string Css = """
        :root{color-scheme:light;--ink:#1b1f24;--muted:#5b6470;--line:#d7dce2;--measured:#0b6e4f;--estimated:#8a4b00;--front:#1f5fbf;--chosen:#c2185b;--bad:#b3261e;--good:#1e7b34}
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);margin:0 auto;padding:24px;max-width:1320px}
        h1{font-size:26px;margin:0 0 6px}h2{font-size:19px;margin:30px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
        .verdict{display:inline-block;font-weight:600;padding:4px 10px;border-radius:4px;margin:4px 0}.verdict.met{background:#e3f3e6;color:var(--good)}.verdict.not-met{background:#fbe4e2;color:var(--bad)}
        .failed{color:var(--bad);font-weight:600}.meta{color:var(--muted)}
        dl.figures{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}dl.figures div{border:1px solid var(--line);border-radius:6px;padding:6px 12px;min-width:150px}
        dt{font-size:12px;color:var(--muted)}dd{margin:0;font-size:18px;font-weight:600}
        .tag{font-size:11px;border-radius:3px;padding:0 4px;border:1px solid currentColor;white-space:nowrap;font-weight:normal}
        .tag.measured,th.measured,.group.measured{color:var(--measured)}.tag.estimated,th.estimated,.group.estimated{color:var(--estimated)}.tag.chosen{color:var(--chosen)}
        table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
        td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}.scroll{overflow-x:auto}
        tr.chosen td{background:#fdeef4}tr.front td:first-child{box-shadow:inset 3px 0 var(--front)}tr.status-pruned,tr.status-outoftime{color:var(--muted)}tr.status-failed td{color:var(--bad)}
        tr.not-met td{color:var(--bad)}tr.met td{color:var(--good)}.reason{font-size:12px;color:var(--muted);min-width:16em}table.candidates td:nth-child(2){min-width:11em}
        code{font:12px ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all}
        figure{margin:0}figcaption{font-size:13px;color:var(--muted);max-width:760px}
        svg.chart{max-width:100%;height:auto;font:12px system-ui,"DejaVu Sans",sans-serif}
        svg .plot{fill:#fbfcfd;stroke:var(--line)}svg .grid{stroke:#e8ebef}svg .tick{fill:var(--muted)}svg .axis-title{font-weight:600;fill:var(--ink)}
        svg .point circle{fill:#9aa4ae;fill-opacity:.75;stroke:#fff}svg .point.front circle{fill:var(--front);fill-opacity:.85}
        svg .point.chosen circle{fill:var(--chosen);fill-opacity:.9}svg .point.mode-balanced circle{fill:#7a9cc6}svg .point.mode-battery-saver circle{fill:#5aa469}
        svg .point circle.ring{fill:none;stroke:var(--chosen);stroke-width:2}svg .point text{fill:var(--ink);font-size:11px}
        svg .legend text{fill:var(--muted)}svg .bar rect{fill:var(--front)}svg .bar.kept-float rect{fill:var(--chosen)}svg .bar text{fill:var(--ink)}
        """;
}
