using System.Diagnostics;
using EdgeOpt.Cli;
using EdgeOpt.Targets;

namespace EdgeOpt.Tests.Targets;

/// <summary>Runs what a Linux package ships (bash scripts, the runner) and reads its files.</summary>
internal static class LinuxPackageHelpers
{
    /// <summary>The demo model (Fashion-MNIST CNN, input [N,1,28,28]) written into <paramref name="folder"/>.</summary>
    public static string DemoModel(string folder)
    {
        var path = Path.Combine(folder, "fashion-cnn.onnx");
        File.WriteAllBytes(path, DemoAssets.ModelBytes());
        return path;
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(" ", arguments)} ran past 5 minutes");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static PackageCheck RunnerCheck(PlatformPackage package) =>
        Assert.Single(package.Checks, c => c.What.Contains("runner", StringComparison.Ordinal));

    /// <summary>Every file's relative path and bytes, for byte-for-byte comparisons of two packages.</summary>
    public static SortedDictionary<string, byte[]> Contents(string folder)
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            files[Path.GetRelativePath(folder, file)] = File.ReadAllBytes(file);
        return files;
    }
}
