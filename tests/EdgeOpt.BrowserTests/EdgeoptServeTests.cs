using System.Diagnostics;
using EdgeOpt.Web;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// The bundle under the real <c>edgeopt serve</c> process (not the in-process server the other tests use): the page is
/// cross-origin isolated and runs WebAssembly on more than one thread, and SIGTERM stops the server cleanly.
/// </summary>
[Collection(Chromium.Collection)]
public sealed class EdgeoptServeTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    [Fact]
    public async Task Under_edgeopt_serve_the_page_is_cross_origin_isolated_and_runs_two_threads()
    {
        using var work = new TempDir();
        var model = DemoModel.WriteTo(work.Path);
        var bundle = Path.Combine(work.Path, "web");
        WebBundler.Build(model, bundle, new WebBundleOptions { Backend = WebBackend.Wasm, Progressive = true, ChunkSize = DemoModel.SmallChunk, Threads = 2 });
        var expected = NativeOrt.RunOnBundleSample(model, bundle);

        var cli = Path.Combine(AppContext.BaseDirectory, "EdgeOpt.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { cli, "serve", bundle, "--port", "0" }) start.ArgumentList.Add(arg);
        using var server = Process.Start(start) ?? throw new InvalidOperationException("could not start edgeopt serve");
        try
        {
            var url = await server.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))
                ?? throw new InvalidOperationException($"edgeopt serve printed no URL: {await server.StandardError.ReadToEndAsync()}");
            output.WriteLine($"edgeopt serve: {url}");
            Assert.StartsWith("http://127.0.0.1:", url, StringComparison.Ordinal);

            await using var session = await chromium.OpenAsync(output);
            var page = await BundlePage.OpenAsync(session.Page, url);

            Assert.True(page.CrossOriginIsolated, "the page is not cross-origin isolated under edgeopt serve");
            Assert.Equal(2, page.Threads);
            Outputs.AssertClose(expected, page.ReadyOutput().Data, 5e-4, output);
        }
        finally
        {
            if (!server.HasExited) Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
        }
        await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, server.ExitCode);
        Assert.Contains("stopped", await server.StandardError.ReadToEndAsync(), StringComparison.Ordinal);
    }
}
