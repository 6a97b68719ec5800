using System.Globalization;
using System.Text.RegularExpressions;
using EdgeOpt.Analysis.Estimation;
using EdgeOpt.Devices;

namespace EdgeOpt.Tests.Estimation;

/// <summary>
/// Pins the catalogue model against published on-device measurements (MLPerf Inference v3.0 ResNet-50 SingleStream):
/// every row within 0.5–2× of the published figure, fitted on at most half of the rows, and the table in
/// docs/benchmarks.md equal to what the estimator computes now. No timing is measured here: the estimates are
/// arithmetic on the catalogue, so the test is deterministic.
/// </summary>
public sealed partial class PublishedLatencyTests
{
    private static readonly Lazy<IReadOnlyList<(PublishedLatencies.Row Row, EdgeOpt.Analysis.LatencyEstimate Estimate)>> Estimates = new(PublishedLatencies.Estimate);

    [Fact]
    public void ResNet50_v1_5_has_the_published_architecture()
    {
        var estimate = Estimates.Value[0].Estimate;
        // 4.09 GMACs, 25.6 M parameters (torchvision resnet50 / MLPerf reference).
        Assert.InRange(estimate.TotalMacs / 1e9, 4.05, 4.15);
        Assert.InRange(estimate.Nodes.Count(n => n.OpType == "Conv"), 53, 53);
    }

    [Fact]
    public void Every_row_is_within_half_to_twice_the_published_latency()
    {
        var problems = Estimates.Value
            .Where(e => e.Estimate.TotalMs / e.Row.PublishedMs is < 0.5 or > 2)
            .Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Row.Label}: estimated {e.Estimate.TotalMs:0.###} ms vs published {e.Row.PublishedMs} ms"))
            .ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void At_most_half_of_the_rows_were_fitted_and_the_fits_say_to_what()
    {
        var rows = PublishedLatencies.Rows;
        Assert.True(rows.Count(r => r.Fitted) * 2 <= rows.Count, "fit on at most half of the rows");
        Assert.Contains(rows, r => r.Fitted && r.Unit == ComputeUnitKind.Cpu);
        Assert.Contains(rows, r => r.Fitted && r.Unit == ComputeUnitKind.Gpu);
        Assert.Contains(rows, r => !r.Fitted && r.Unit == ComputeUnitKind.Cpu);
        Assert.Contains(rows, r => !r.Fitted && r.Unit == ComputeUnitKind.Gpu);
        foreach (var (row, estimate) in Estimates.Value)
            Assert.Contains("FITTED to MLPerf Inference v3.0", estimate.Method, StringComparison.Ordinal);
        Assert.Contains("30.8 ms", UnitEfficiency.FitNote, StringComparison.Ordinal);
        Assert.Contains("0.633 ms", UnitEfficiency.FitNote, StringComparison.Ordinal);
    }

    [Fact]
    public void The_docs_table_matches_the_computed_estimates()
    {
        var docs = Docs.DocCommandLines.Read("docs/benchmarks.md");
        var expected = PublishedLatencies.Table(Estimates.Value);
        foreach (var line in expected.Split('\n').Skip(2))
        {
            var label = line.Split('|')[1].Trim();
            var documented = docs.Split('\n').FirstOrDefault(l => l.StartsWith("| " + label + " |", StringComparison.Ordinal));
            Assert.True(documented is not null, $"docs/benchmarks.md has no row for '{label}'; expected:\n{expected}");
            Assert.Equal(Cells(line), Cells(documented!));
        }
    }

    [Fact]
    public void A_phone_cpu_is_estimated_on_its_big_and_mid_cores_at_sustained_clocks()
    {
        using var model = ResNet50.Build();
        var pixel8 = DeviceCatalog.Find("pixel-8");
        var estimate = EdgeOpt.Analysis.LatencyEstimator.Estimate(model, pixel8);

        Assert.Equal(5, estimate.Threads); // 1 Cortex-X3 + 4 Cortex-A715; the 4 Cortex-A510 are left out
        Assert.Contains("1x Cortex-X3 @ 2.33 GHz sustained x 32 FLOP/cycle + 4x Cortex-A715 @ 1.9 GHz sustained x 16 FLOP/cycle", estimate.Method, StringComparison.Ordinal);
        var oneThread = EdgeOpt.Analysis.LatencyEstimator.Estimate(model, pixel8, new EdgeOpt.Analysis.EstimateOptions { Threads = 1 });
        Assert.Equal(1, oneThread.Threads);
        Assert.InRange(oneThread.TotalMs / estimate.TotalMs, 2.5, 6); // 5 threads on 74.6 + 4×30.3 GFLOPS vs the X3 alone
    }

    private static string[] Cells(string line) => [.. line.Trim().Trim('|').Split('|').Select(c => WhiteSpace().Replace(c.Trim(), " "))];

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
