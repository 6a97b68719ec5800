using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace EdgeOpt.Targets.Linux;

/// <summary>What a finished child process printed and returned.</summary>
internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The line that says what went wrong: MSBuild's first "error", else the last line of stderr, else of stdout.</summary>
    public string FailureLine()
    {
        static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Lines(Stdout).Concat(Lines(Stderr)).FirstOrDefault(l => l.Contains(": error ", StringComparison.Ordinal))
            ?? Lines(Stderr).LastOrDefault() ?? Lines(Stdout).LastOrDefault() ?? $"exit code {ExitCode}";
        return line.Length > 400 ? line[..400] + "..." : line;
    }
}

/// <summary>
/// Runs a program to its end with output captured, a time limit and cancellation; both end it with its whole process
/// tree (a publish leaves no MSBuild nodes behind, an emulated runner no orphan).
/// </summary>
internal static class ChildProcess
{
    /// <summary>Runs <paramref name="program"/>; null when it cannot be started (not found, not executable).</summary>
    /// <exception cref="TimeoutException">It ran past <paramref name="limit"/> (and was killed).</exception>
    public static ProcessResult? Run(string program, IEnumerable<string> arguments, string workingDirectory, TimeSpan limit,
        IReadOnlyDictionary<string, string?>? environment, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;

        using var process = new Process { StartInfo = start };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        try
        {
            process.Start();
        }
        catch (Win32Exception)
        {
            return null;
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (cancellation.Register(() => Kill(process)))
        {
            if (!process.WaitForExit(limit))
            {
                Kill(process);
                process.WaitForExit();
                cancellation.ThrowIfCancellationRequested();
                throw new TimeoutException($"{Path.GetFileName(program)} did not finish within {limit.TotalMinutes:0} minutes");
            }
            process.WaitForExit(); // drains the redirected streams
        }
        cancellation.ThrowIfCancellationRequested();
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, OperatingSystem.IsWindows() ? name + ".exe" : name);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & UnixFileMode.UserExecute) != 0))
                return candidate;
        }
        return null;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }
}
