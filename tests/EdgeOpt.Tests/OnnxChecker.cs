using System.Diagnostics;

namespace EdgeOpt.Tests;

/// <summary>
/// The reference ONNX checker (Debian python3-onnx 1.12: <c>onnx.checker.check_model(path, full_check=True)</c>,
/// which also runs ONNX's strict shape inference) on a saved model file.
/// </summary>
internal static class OnnxChecker
{
    private const string Python = "/usr/bin/python3";
    private const string Script = "import onnx, sys; onnx.checker.check_model(sys.argv[1], full_check=True)";

    /// <summary>Null when the checker accepts the file; else the checker's complaint.</summary>
    public static string? Check(string path)
    {
        if (!File.Exists(Python)) throw new FileNotFoundException($"{Python} is missing (apt-get install python3-onnx; scripts/test.sh does)", Python);
        var start = new ProcessStartInfo(Python) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(path);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Python}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            return "the ONNX checker did not finish within 2 minutes";
        }
        stdout.Wait();
        if (process.ExitCode == 0) return null;
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var complaint = lines.LastOrDefault(l => l.Contains("Error", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)) ?? lines.LastOrDefault();
        return $"exit {process.ExitCode}: {complaint}";
    }
}
