using System.Globalization;
using System.Xml.Linq;
using EdgeOpt.Deployment;
using EdgeOpt.Tests.Shared;

namespace EdgeOpt.Tests.Deployment;

/// <summary>
/// report.html through its public API on hand-built deploy results: one self-contained page (no script, no URL), the chart
/// as inline SVG, every candidate in the table, measured and estimated figures told apart, and every string escaped.
/// The page is well-formed XML, so it is read here with an XML parser rather than searched as text.
/// </summary>
public class DeploymentReportHtmlTests
{
    private static XDocument Parse(string html)
    {
        Assert.StartsWith("<!doctype html>\n", html, StringComparison.Ordinal);
        return XDocument.Parse(html["<!doctype html>\n".Length..]);
    }

    private static IEnumerable<XElement> All(XDocument doc, string name) => doc.Descendants(name);

    private static XElement Section(XDocument doc, string id) => All(doc, "section").Single(s => (string?)s.Attribute("id") == id);

    private static string Class(XElement e) => (string?)e.Attribute("class") ?? "";

    [Fact]
    public void Every_section_is_there_and_the_headline_names_the_device_the_choice_and_the_verdict()
    {
        var result = SampleDeployments.ResNet18OnPixel7();
        var doc = Parse(DeploymentReportHtml.Render(result));

        Assert.Equal("EdgeOpt deployment: resnet18.onnx on Google Pixel 7", All(doc, "title").First().Value);
        var header = All(doc, "header").Single();
        Assert.Equal("resnet18.onnx → Google Pixel 7", header.Element("h1")!.Value);
        Assert.Equal("✔ Constraints met", header.Descendants("p").Single(p => (string?)p.Attribute("id") == "verdict").Value);
        Assert.Contains("int8-static per-channel, 2 threads", header.Value, StringComparison.Ordinal);
        Assert.Contains("(row #4)", header.Value, StringComparison.Ordinal);
        // The headline's target figures are the chosen candidate's, each tagged with where it came from.
        var figures = header.Descendants("dl").Single().Elements("div").ToDictionary(d => d.Element("dt")!.Value, d => d.Element("dd")!.Value);
        Assert.Equal("7.90 ms", figures["Latency on Google Pixel 7 estimated"]);
        Assert.Equal("16.3 MB", figures["Memory on Google Pixel 7 estimated"]);
        Assert.Equal("68.00 %", figures["Top-1 accuracy measured"]);
        Assert.Equal("11.81 MB", figures["Model size measured"]);

        foreach (var id in (string[])["chart", "constraints", "candidates", "sensitivity", "device", "provenance"])
            Assert.Single(All(doc, "section"), s => (string?)s.Attribute("id") == id);
    }

    [Fact]
    public void The_page_is_self_contained_no_script_no_url_no_external_resource_and_a_policy_forbidding_both()
    {
        var html = DeploymentReportHtml.Render(SampleDeployments.ResNet18OnPixel7());
        var doc = Parse(html);

        Assert.Empty(All(doc, "script"));
        Assert.Empty(All(doc, "img"));
        Assert.Empty(All(doc, "iframe"));
        Assert.DoesNotContain("http:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https:", html, StringComparison.OrdinalIgnoreCase);
        // Every src/href is inline data, and no element carries an event handler.
        foreach (var attribute in doc.Descendants().Attributes())
        {
            if (attribute.Name.LocalName is "src" or "href") Assert.StartsWith("data:", attribute.Value, StringComparison.Ordinal);
            Assert.False(attribute.Name.LocalName.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"event handler attribute {attribute.Name}");
        }
        var csp = All(doc, "meta").Single(m => (string?)m.Attribute("http-equiv") == "Content-Security-Policy");
        Assert.StartsWith("default-src 'none';", (string)csp.Attribute("content")!, StringComparison.Ordinal);
        Assert.Single(All(doc, "style"));
    }

    [Fact]
    public void The_chart_is_inline_svg_with_labelled_axes_one_point_per_plotted_candidate_the_front_filled_and_the_choice_ringed()
    {
        var result = SampleDeployments.ResNet18OnPixel7();
        var doc = Parse(DeploymentReportHtml.Render(result));
        var svg = Section(doc, "chart").Descendants("svg").Single();

        var axisTitles = svg.Descendants("text").Where(t => Class(t).StartsWith("axis-title", StringComparison.Ordinal)).Select(t => t.Value).ToList();
        Assert.Contains(axisTitles, t => t.StartsWith("Latency per batch, ms — estimated on Google Pixel 7", StringComparison.Ordinal));
        Assert.Contains("Top-1 accuracy — measured on this host", axisTitles);

        var points = svg.Elements("g").Where(g => Class(g).StartsWith("point", StringComparison.Ordinal) && g.Attribute("data-row") is not null).ToList();
        var evaluatedRows = result.Candidates.Select((c, i) => (c, Row: i + 1)).Where(x => x.c.Status == CandidateStatus.Evaluated).Select(x => x.Row);
        Assert.Equal(evaluatedRows.Order(), points.Select(p => (int)p.Attribute("data-row")!).Order());
        Assert.Equal([4, 5, 7], points.Where(p => Class(p) is "point front" or "point chosen").Select(p => (int)p.Attribute("data-row")!).Order());
        var chosen = Assert.Single(points, p => Class(p) == "point chosen");
        Assert.Equal(4, (int)chosen.Attribute("data-row")!);
        Assert.Contains(chosen.Elements("circle"), c => Class(c) == "ring");
        Assert.Equal("#4 chosen", chosen.Element("text")!.Value);

        // Point area follows model size: the 46.8 MB FP32 point is drawn larger than the 11.8 MB INT8 one.
        double Radius(int row) => double.Parse((string)points.Single(p => (int)p.Attribute("data-row")! == row).Element("circle")!.Attribute("r")!, CultureInfo.InvariantCulture);
        Assert.True(Radius(1) > Radius(4) * 1.5, $"fp32 r={Radius(1)}, int8 r={Radius(4)}");
        // Faster on the target is further left; more accurate is higher.
        double Cx(int row) => double.Parse((string)points.Single(p => (int)p.Attribute("data-row")! == row).Element("circle")!.Attribute("cx")!, CultureInfo.InvariantCulture);
        double Cy(int row) => double.Parse((string)points.Single(p => (int)p.Attribute("data-row")! == row).Element("circle")!.Attribute("cy")!, CultureInfo.InvariantCulture);
        Assert.True(Cx(4) < Cx(2), "7.9 ms left of 21 ms");
        Assert.True(Cy(2) < Cy(5), "69 % above 64 %");
        Assert.Contains("3 candidates are not plotted", Section(doc, "chart").Element("figure")!.Element("figcaption")!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void The_candidate_table_has_a_row_for_every_candidate_with_status_reason_and_measured_and_estimated_columns_apart()
    {
        var result = SampleDeployments.ResNet18OnPixel7();
        var doc = Parse(DeploymentReportHtml.Render(result));
        var table = Section(doc, "candidates").Descendants("table").Single();
        var rows = table.Element("tbody")!.Elements("tr").ToList();

        Assert.Equal(result.Candidates.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var candidate = result.Candidates[i];
            Assert.Equal(candidate.Key, (string)rows[i].Attribute("data-key")!);
            Assert.StartsWith(candidate.Label, rows[i].Elements("td").ElementAt(1).Value, StringComparison.Ordinal);
            if (candidate.Reason is not null) Assert.Contains(candidate.Reason, rows[i].Value, StringComparison.Ordinal);
        }
        Assert.Contains("failed", rows[7].Elements("td").ElementAt(2).Value, StringComparison.Ordinal);
        Assert.Contains("pruned", rows[8].Elements("td").ElementAt(2).Value, StringComparison.Ordinal);
        Assert.Contains("out of time", rows[9].Elements("td").ElementAt(2).Value, StringComparison.Ordinal);
        Assert.Contains("chosen", Class(rows[3]), StringComparison.Ordinal);

        // Two header rows: groups "Measured on this host" / "Estimated on …" over columns classed the same way.
        var headers = table.Element("thead")!.Elements("tr").ToList();
        var groups = headers[0].Elements("th").Where(th => Class(th).StartsWith("group", StringComparison.Ordinal)).ToList();
        Assert.Equal(["Measured on this host", "Estimated on Google Pixel 7"], groups.Select(g => g.Value));
        var columns = headers[1].Elements("th").ToList();
        Assert.Equal(groups.Sum(g => (int)g.Attribute("colspan")!) + 4, columns.Count);
        Assert.Equal(["Size", "Accuracy", "Top-1 agreement", "Cosine to FP32", "p50", "p90", "Peak memory"],
            columns.Where(c => Class(c) == "measured").Select(c => c.Value));
        Assert.Equal(["Latency", "Memory", "Fits class"], columns.Where(c => Class(c) == "estimated").Select(c => c.Value));
        // Measured p50 is shown against the interleaved FP32 baseline.
        Assert.Contains("14.9 ms (0.32× FP32)", rows[3].Elements("td").Select(td => td.Value));
    }

    [Fact]
    public void Constraints_show_limit_value_signed_margin_and_whether_each_figure_was_measured_or_estimated()
    {
        var doc = Parse(DeploymentReportHtml.Render(SampleDeployments.ResNet18OnPixel7()));
        var rows = Section(doc, "constraints").Descendants("tbody").Single().Elements("tr").Select(r => r.Elements("td").Select(td => td.Value).ToList()).ToList();

        Assert.Equal(3, rows.Count);
        Assert.Equal(["latency ≤ 10 ms", "10.0 ms", "7.90 ms", "+2.10 ms to spare", "✔ met", "estimated"], rows[1]);
        Assert.Equal(["accuracy ≥ 95% of FP32 (69.00 %)", "65.55 %", "68 %", "+2.45 % to spare", "✔ met", "measured"], rows[0]);
    }

    [Fact]
    public void Sensitivity_device_fit_and_provenance_carry_the_search_the_class_target_and_every_reproducing_command()
    {
        var result = SampleDeployments.ResNet18OnPixel7();
        var doc = Parse(DeploymentReportHtml.Render(result));

        var bars = Section(doc, "sensitivity").Descendants("svg").Single().Elements("g").ToList();
        Assert.Equal(6, bars.Count);
        Assert.Equal(2, bars.Count(b => Class(b) == "bar kept-float"));
        Assert.Contains("8.00 pts (float)", bars[0].Value, StringComparison.Ordinal);

        var device = Section(doc, "device").Value;
        Assert.Contains("High: keep the model's footprint under 500 MB", device, StringComparison.Ordinal);
        Assert.Contains("16.3 MB: fits (483.7 MB to spare)", device, StringComparison.Ordinal);

        var provenance = Section(doc, "provenance");
        Assert.Contains(SampleDeployments.Sha, provenance.Value, StringComparison.Ordinal);
        Assert.Contains(result.Provenance.Command, provenance.Value, StringComparison.Ordinal);
        Assert.Contains("0.1.0", provenance.Value, StringComparison.Ordinal);
        var commands = provenance.Descendants("details").Single().Descendants("code").Select(c => c.Value).ToList();
        Assert.Equal(result.Candidates.Select(c => c.Command), commands);
    }

    [Fact]
    public void Markup_in_node_names_labels_paths_devices_and_notes_is_shown_as_text_never_run()
    {
        var result = SampleDeployments.HostileWebDeploy();
        var html = DeploymentReportHtml.Render(result);
        var doc = Parse(html); // well-formed: no injected tag broke the structure

        Assert.Empty(All(doc, "script"));
        Assert.Empty(All(doc, "img"));
        Assert.Empty(All(doc, "iframe"));
        Assert.Empty(All(doc, "b"));
        Assert.Single(All(doc, "h1"));
        Assert.DoesNotContain("<script>", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains(SampleDeployments.ScriptNode, Section(doc, "sensitivity").Value, StringComparison.Ordinal);
        Assert.Contains(SampleDeployments.ImgLabel, Section(doc, "candidates").Value, StringComparison.Ordinal);
        Assert.Contains("Lab <browser> & \"tab\"", All(doc, "h1").Single().Value, StringComparison.Ordinal);
        Assert.Contains("see <iframe src=\"http://evil.example/\"></iframe>", Section(doc, "notes").Value, StringComparison.Ordinal);
        Assert.Equal(result.Candidates.Count, Section(doc, "candidates").Descendants("tbody").Single().Elements("tr").Count());
    }

    [Fact]
    public void Without_labels_the_page_states_fidelity_and_a_failed_deploy_says_what_failed_and_by_how_much()
    {
        var doc = Parse(DeploymentReportHtml.Render(SampleDeployments.HostileWebDeploy()));

        var header = All(doc, "header").Single();
        Assert.StartsWith("✘ Constraints not met", header.Descendants("p").Single(p => (string?)p.Attribute("id") == "verdict").Value, StringComparison.Ordinal);
        Assert.Contains("top-1 agreement ≥ 99.9 % by −3.9 % short", header.Value, StringComparison.Ordinal);
        Assert.Contains("accuracy stated as fidelity to FP32: no labels", Section(doc, "notes").Value, StringComparison.Ordinal);
        Assert.Contains("cpuClusters, memoryBandwidthGBps borrowed from chrome-desktop", Section(doc, "notes").Value, StringComparison.Ordinal);
        var axisTitles = Section(doc, "chart").Descendants("text").Where(t => Class(t).StartsWith("axis-title", StringComparison.Ordinal)).Select(t => t.Value);
        Assert.Contains("Top-1 agreement with FP32 — measured on this host", axisTitles);
        // Browser targets add the initial download, estimated, to the table and the device fit.
        Assert.Contains(Section(doc, "candidates").Descendants("th"), th => th.Value == "Initial load" && Class(th) == "estimated");
        Assert.Contains("0.56 MB: under the 50 MB browser target", Section(doc, "device").Value, StringComparison.Ordinal);
        Assert.DoesNotContain(Section(doc, "candidates").Descendants("th"), th => th.Value == "Accuracy");
    }

    [Fact]
    public void Write_puts_the_page_in_place_atomically_and_refuses_a_missing_folder_without_writing()
    {
        var folder = Directory.CreateTempSubdirectory("edgeopt-report-");
        try
        {
            var result = SampleDeployments.ResNet18OnPixel7();
            var path = Path.Combine(folder.FullName, "report.html");
            DeploymentReportHtml.Write(result, path);
            Assert.Equal(DeploymentReportHtml.Render(result), File.ReadAllText(path));
            Assert.Equal(["report.html"], Directory.GetFiles(folder.FullName).Select(Path.GetFileName));

            var missing = Path.Combine(folder.FullName, "absent", "report.html");
            var e = Assert.Throws<UsageException>(() => DeploymentReportHtml.Write(result, missing));
            Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Combine(folder.FullName, "absent")));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_deploy_where_nothing_could_be_plotted_still_renders_every_candidate_and_says_so()
    {
        var sample = SampleDeployments.ResNet18OnPixel7();
        var result = sample with { Candidates = [.. sample.Candidates.Select(c => c with { EstimatedLatencyMs = null })] };
        var doc = Parse(DeploymentReportHtml.Render(result));

        Assert.Empty(Section(doc, "chart").Descendants("svg"));
        Assert.Contains("No candidate has both", Section(doc, "chart").Value, StringComparison.Ordinal);
        Assert.Equal(result.Candidates.Count, Section(doc, "candidates").Descendants("tbody").Single().Elements("tr").Count());
    }
}
