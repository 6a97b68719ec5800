using System.Diagnostics;

namespace EdgeOpt.Tests.Safety;

/// <summary>
/// <c>edgeopt</c> as a real child process (<c>dotnet EdgeOpt.Cli.dll</c>), for what needs a process of its own: signals
/// and the temps a killed process leaves.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private CliProcess(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static CliProcess Start(params string[] args) => StartWithEnvironment([], args);

    /// <summary>As <see cref="Start"/>, with <c>NAME=VALUE</c> <paramref name="environment"/> variables set for the child only.</summary>
    public static CliProcess StartWithEnvironment(IEnumerable<string> environment, params string[] args) =>
        StartProgram("EdgeOpt.Cli.dll", environment, args);

    /// <summary>Another program of the test output folder (<paramref name="dll"/>, e.g. the cache probe), started the same way.</summary>
    public static CliProcess StartProgram(string dll, IEnumerable<string> environment, params string[] args)
    {
        // env resets SIGINT/SIGTERM to their defaults, then execs dotnet (same pid): a test run started in the background
        // by a non-interactive shell inherits SIGINT as ignored, and a program rightly keeps an inherited ignore.
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--default-signal=INT,TERM");
        foreach (var variable in environment) start.ArgumentList.Add(variable);
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var a in args) start.ArgumentList.Add(a);
        return new CliProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
    }

    /// <summary>Waits (up to 5 minutes) until <paramref name="condition"/> holds or the process exits; true when it held.</summary>
    public bool WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            if (condition()) return true;
            if (_process.HasExited) return condition();
            Thread.Sleep(5);
        }
        return false;
    }

    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
    }

    public (int Code, string Out, string Err) WaitForExit()
    {
        if (!_process.WaitForExit(TimeSpan.FromMinutes(5))) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        return (_process.ExitCode, _stdout.GetAwaiter().GetResult(), _stderr.GetAwaiter().GetResult());
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
