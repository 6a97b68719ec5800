using System.Diagnostics;
using Microsoft.Playwright;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// One headless Debian Chromium for the whole assembly, driven by Playwright. Playwright never downloads a browser here:
/// the executable is EDGEOPT_CHROMIUM or /usr/bin/chromium (scripts/test.sh installs it).
/// </summary>
public class ChromiumFixture : IAsyncLifetime
{
    public const string DefaultExecutable = "/usr/bin/chromium";

    // No sandbox: CI runs as root in a container, where Chromium's sandbox cannot start. The rest keeps the browser
    // from talking to Google (updates, sync, first-run pages), so the only traffic is the test's own.
    private static readonly string[] Flags =
        ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private readonly string[] _extraFlags;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public ChromiumFixture()
        : this([])
    {
    }

    /// <param name="extraFlags">Flags on top of the standard ones, for a fixture that needs a differently configured browser.</param>
    protected ChromiumFixture(string[] extraFlags) => _extraFlags = extraFlags;

    /// <summary>The Chromium executable in use.</summary>
    public static string Executable => Environment.GetEnvironmentVariable("EDGEOPT_CHROMIUM") is { Length: > 0 } path ? path : DefaultExecutable;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium is not started");

    /// <summary>How long starting Playwright's driver and Chromium took (reported by the smoke test).</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>The browser's version string, e.g. 140.0.7339.80.</summary>
    public string Version => Browser.Version;

    public async Task InitializeAsync()
    {
        var executable = Executable;
        if (!File.Exists(executable))
            throw new FileNotFoundException($"Chromium not found at {executable}: run scripts/test.sh (installs Debian's chromium) or set EDGEOPT_CHROMIUM", executable);
        var started = Stopwatch.GetTimestamp();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            Args = [.. Flags, .. _extraFlags],
        });
        StartupTime = Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Opens a fresh context (own cache, storage and service workers) and page whose console goes to <paramref name="output"/>.</summary>
    public Task<BrowserSession> OpenAsync(ITestOutputHelper output, BrowserNewContextOptions? options = null) =>
        BrowserSession.OpenAsync(Browser, output, options);

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
