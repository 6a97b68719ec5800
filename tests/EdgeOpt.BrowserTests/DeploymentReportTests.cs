using System.Collections.Concurrent;
using EdgeOpt.Cli;
using EdgeOpt.Deployment;
using EdgeOpt.Tests.Shared;
using Microsoft.Playwright;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// A deployment's report.html opened from disk in Debian's Chromium with the network off, as a user opens a file they
/// were sent: it renders with no console error and no failed or outgoing request, and the chart and the candidate table
/// are visible — for hand-built results and for a real deploy of the demo model. Setting EDGEOPT_UPDATE_SCREENSHOTS=1
/// refreshes docs/images/deploy-report.png from the real deploy.
/// </summary>
[Collection(Chromium.Collection)]
public sealed class DeploymentReportTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    [Fact]
    public async Task The_report_renders_offline_without_errors_or_requests_and_shows_the_chart_and_the_table()
    {
        using var work = new TempDir();
        var result = SampleDeployments.ResNet18OnPixel7();
        var path = work.File("report.html");
        DeploymentReportHtml.Write(result, path);
        await using var session = await OpenOfflineAsync(path, height: 900);

        var chart = session.Page.Locator("#chart svg.pareto");
        Assert.True(await chart.IsVisibleAsync());
        var box = await chart.BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.Width > 600 && box.Height > 300, $"chart drawn at {box.Width}×{box.Height}");
        // Every evaluated candidate is a visible point; the chosen one is ringed.
        var evaluated = result.Candidates.Count(c => c.Status == CandidateStatus.Evaluated);
        Assert.Equal(evaluated, await session.Page.Locator("#chart svg g.point[data-row]").CountAsync());
        Assert.True(await session.Page.Locator("#chart svg g.point.chosen[data-row] circle.ring").IsVisibleAsync());

        var rows = session.Page.Locator("#candidates table.candidates tbody tr");
        Assert.Equal(result.Candidates.Count, await rows.CountAsync());
        Assert.True(await rows.Last.IsVisibleAsync());
        Assert.Equal("Measured on this host", await session.Page.Locator("#candidates th.group.measured").InnerTextAsync());
        Assert.Equal("✔ Constraints met", await session.Page.Locator("#verdict").InnerTextAsync());
        // The stylesheet applied (inline <style> is allowed by the page's policy): the chosen point is filled in its colour.
        var fill = await session.Page.Locator("#chart svg g.point.chosen[data-row] circle").First.EvaluateAsync<string>("e => getComputedStyle(e).fill");
        Assert.Equal("rgb(194, 24, 91)", fill);

        var png = await session.Page.ScreenshotAsync(new() { FullPage = false });
        Assert.True(png.Length > 10_000, $"screenshot of {png.Length} bytes");
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], png[..4]);
    }

    [Fact]
    public async Task A_real_deploy_of_the_demo_model_writes_a_report_that_renders_offline_with_every_candidate()
    {
        using var work = new TempDir();
        var inputs = DemoAssets.WriteTo(work.File("inputs"));
        var result = EdgeDeployer.Create("pixel-7", new OptimizationConfig { TargetAccuracy = 0.99 },
                new DeployerOptions { ResultsStorePath = work.File("results.db") })
            .Deploy(inputs.Model, new DeploymentData { Path = inputs.TestImages, LabelsPath = inputs.TestLabels, CalibrationSamples = 100 }, work.File("out"));
        var path = Path.Combine(work.File("out"), "report.html");
        await using var session = await OpenOfflineAsync(path, height: 1250);
        Assert.True(await session.Page.Locator("#chart svg.pareto").IsVisibleAsync());
        // Every evaluated candidate with both figures is a point; every candidate is a table row.
        var plotted = result.Candidates.Count(c => c.Status == CandidateStatus.Evaluated && c.EstimatedLatencyMs is not null && (c.MeasuredAccuracy ?? c.MeasuredCosine) is not null);
        Assert.True(plotted >= 2, $"{plotted} candidates plotted");
        Assert.Equal(plotted, await session.Page.Locator("#chart svg g.point[data-row]").CountAsync());
        Assert.Equal(result.Candidates.Count, await session.Page.Locator("#candidates table.candidates tbody tr").CountAsync());
        Assert.Equal(result.ConstraintsMet ? "✔ Constraints met" : "✘ Constraints not met — the closest candidate was written", await session.Page.Locator("#verdict").InnerTextAsync());
        Assert.Contains(result.Chosen.Label, await session.Page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);

        var png = await session.Page.ScreenshotAsync(new() { FullPage = false });
        Assert.True(png.Length > 10_000, $"screenshot of {png.Length} bytes");
        if (Environment.GetEnvironmentVariable("EDGEOPT_UPDATE_SCREENSHOTS") == "1")
        {
            var target = Path.Combine(RepositoryRoot(), "docs", "images", "deploy-report.png");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllBytesAsync(target, png);
            output.WriteLine($"wrote {target} ({png.Length} bytes)");
        }
    }

    [Fact]
    public async Task Markup_in_the_results_stays_text_in_the_browser_nothing_runs_and_nothing_is_fetched()
    {
        using var work = new TempDir();
        var path = work.File("report.html");
        DeploymentReportHtml.Write(SampleDeployments.HostileWebDeploy(), path);
        await using var session = await chromium.OpenAsync(output);
        var dialogs = new ConcurrentQueue<string>();
        session.Page.Dialog += (_, dialog) => dialogs.Enqueue(dialog.Message);
        await session.Context.SetOfflineAsync(true);

        var url = new Uri(path).AbsoluteUri;
        await session.Page.GotoAsync(url, new() { WaitUntil = WaitUntilState.Load });

        Assert.Empty(dialogs);
        Assert.Empty(session.Errors);
        Assert.Equal(0, await session.Page.Locator("script, img, iframe").CountAsync());
        Assert.Equal([url], session.Requests.Where(r => !r.Url.StartsWith("data:", StringComparison.Ordinal)).Select(r => r.Url));
        Assert.Contains(SampleDeployments.ScriptNode, await session.Page.Locator("#sensitivity").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains(SampleDeployments.ImgLabel, await session.Page.Locator("#candidates").InnerTextAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Opens a report file with the network off and checks what every report must do on load: it answers, no console
    /// error, no failed request, and the only request is the page itself (the favicon is inline data and needs none).
    /// </summary>
    private async Task<BrowserSession> OpenOfflineAsync(string path, int height)
    {
        var session = await chromium.OpenAsync(output, new BrowserNewContextOptions { ViewportSize = new() { Width = 1140, Height = height } });
        var failed = new ConcurrentQueue<string>();
        session.Context.RequestFailed += (_, request) => failed.Enqueue($"{request.Url}: {request.Failure}");
        await session.Context.SetOfflineAsync(true);

        var url = new Uri(path).AbsoluteUri;
        var response = await session.Page.GotoAsync(url, new() { WaitUntil = WaitUntilState.Load });

        Assert.NotNull(response);
        Assert.True(response.Ok);
        Assert.Empty(session.Errors);
        Assert.Empty(failed);
        Assert.Equal([url], session.Requests.Where(r => !r.Url.StartsWith("data:", StringComparison.Ordinal)).Select(r => r.Url));
        return session;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeOpt.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("EdgeOpt.slnx not found above " + AppContext.BaseDirectory);
    }
}
