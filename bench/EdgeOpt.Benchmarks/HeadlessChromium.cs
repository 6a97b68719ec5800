using Microsoft.Playwright;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// Headless Debian Chromium driven by Playwright for the in-browser benchmarks. Playwright never downloads a browser:
/// the executable is EDGEOPT_CHROMIUM or /usr/bin/chromium (scripts/test.sh installs it).
/// </summary>
internal sealed class HeadlessChromium : IAsyncDisposable
{
    // No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start. The rest keeps the browser from
    // talking to Google, so the only network traffic (and the only throttled traffic) is the benchmark's own.
    private static readonly string[] Flags =
        ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private readonly IPlaywright _playwright;

    private HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <summary>The Chromium executable in use.</summary>
    public static string Executable =>
        Environment.GetEnvironmentVariable("EDGEOPT_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<HeadlessChromium> LaunchAsync()
    {
        var executable = Executable;
        if (!File.Exists(executable))
            throw new FileNotFoundException($"Chromium not found at {executable}: install Debian's chromium (scripts/test.sh) or set EDGEOPT_CHROMIUM", executable);
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = executable, Headless = true, Args = Flags });
            return new HeadlessChromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A second Chromium on its own profile folder, as one context. Unlike <see cref="IBrowser.NewContextAsync"/> (an
    /// off-the-record profile whose in-memory HTTP cache skips large responses such as the 12 MB .wasm), this one has
    /// the on-disk HTTP cache a real visitor has, so "runtime from the HTTP cache" means what it does for users.
    /// </summary>
    public Task<IBrowserContext> LaunchProfileAsync(string profileFolder) =>
        _playwright.Chromium.LaunchPersistentContextAsync(profileFolder, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = Flags,
        });

    /// <summary>
    /// Waits until the demo page says <c>ready</c> (or <c>error</c>, which becomes an exception with the page's message).
    /// </summary>
    public static async Task WaitReadyAsync(IPage page, TimeSpan timeout)
    {
        await page.WaitForFunctionAsync("() => ['ready', 'error'].includes(window.edgeopt?.state)", null,
            new PageWaitForFunctionOptions { Timeout = (float)timeout.TotalMilliseconds, PollingInterval = 50 });
        if (await page.EvaluateAsync<string>("() => window.edgeopt.state") != "ready")
            throw new InvalidOperationException($"the page at {page.Url} failed: {await page.EvaluateAsync<string>("() => window.edgeopt.error")}");
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
