using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using EdgeOpt.Targets.Internal;

namespace EdgeOpt.Targets.Linux;

/// <summary>
/// Runs the package as shipped (<c>run.sh run</c> on its sample input, the runner's .npy outputs) on this machine:
/// natively when the architecture matches, else under QEMU user-mode emulation when <c>qemu-user-static</c> and the
/// target's C libraries (Debian multiarch) are installed; compares the outputs with ONNX Runtime's here. Never times
/// anything: under emulation a timing says nothing about the device.
/// </summary>
internal static class RunnerVerification
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(10);

    /// <summary>How a package can run here (<see cref="Emulator"/> null: natively), or why it cannot (<see cref="How"/>).</summary>
    public sealed record Host(bool CanRun, string? Emulator, string How)
    {
        public bool Emulated => Emulator is not null;
    }

    /// <summary>How a package for <paramref name="architecture"/> can run here.</summary>
    public static Host Find(LinuxArchitecture architecture)
    {
        if (!OperatingSystem.IsLinux()) return new(false, null, $"this machine runs {RuntimeInformation.OSDescription}, not Linux");
        if (ChildProcess.FindOnPath("bash") is null) return new(false, null, "bash (which run.sh needs) is not on PATH");
        var here = RuntimeInformation.OSArchitecture;
        var wanted = architecture == LinuxArchitecture.Arm64 ? Architecture.Arm64 : Architecture.X64;
        if (here == wanted) return new(true, null, "natively");
        var (qemu, loader, libraries) = architecture == LinuxArchitecture.Arm64
            ? ("qemu-aarch64-static", "/lib/ld-linux-aarch64.so.1", "libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64")
            : ("qemu-x86_64-static", "/lib64/ld-linux-x86-64.so.2", "libc6:amd64 libstdc++6:amd64 libgcc-s1:amd64");
        if (ChildProcess.FindOnPath(qemu) is not { } emulator)
            return new(false, null, $"qemu-user-static missing ({qemu} is not on PATH; on Debian: apt-get install qemu-user-static {libraries})");
        if (!File.Exists(loader))
            return new(false, null, $"the target's C libraries are missing ({loader}; on Debian: dpkg --add-architecture, then apt-get install {libraries})");
        return new(true, emulator, $"under QEMU user-mode emulation ({qemu})");
    }

    /// <summary>
    /// Runs <c>run.sh run</c> in <paramref name="folder"/> (the package) and compares each output with
    /// <paramref name="reference"/>; the finding is added to the context's checks.
    /// </summary>
    /// <returns>The execution provider the runner reported, or null when it did not run.</returns>
    public static string? Check(PackageContext context, string folder, string rid, Host host, IReadOnlyDictionary<string, Tensor> reference,
        Tolerance tolerance)
    {
        var what = host.Emulated
            ? $"the self-contained {rid} runner (run.sh run, sample input) runs {host.How} and matches x64 ONNX Runtime {context.OnnxRuntimeVersion} here"
            : $"the self-contained {rid} runner (run.sh run, sample input) runs {host.How} and matches ONNX Runtime {context.OnnxRuntimeVersion} in EdgeOpt";
        var output = Path.Combine(context.Scratch, $"runner-output-{rid}");
        var environment = new Dictionary<string, string?> { [LinuxScripts.EmulatorVariable] = host.Emulator };
        ProcessResult? result;
        try
        {
            result = ChildProcess.Run("bash", [Path.Combine(folder, LinuxScripts.RunScript), "run", "--output-dir", output], context.Scratch, RunLimit,
                environment, context.Cancellation);
        }
        catch (TimeoutException)
        {
            context.Checks.Add(new PackageCheck(what, false, $"run.sh did not finish within {RunLimit.TotalMinutes:0} minutes"));
            return null;
        }
        if (result is null || result.ExitCode != 0)
        {
            context.Checks.Add(new PackageCheck(what, false, $"run.sh failed (exit code {result?.ExitCode}): {result?.FailureLine() ?? "bash cannot be started"}"));
            return null;
        }

        string provider;
        Dictionary<string, string> files;
        try
        {
            using var json = JsonDocument.Parse(result.Stdout);
            provider = json.RootElement.GetProperty("executionProvider").GetString() ?? "?";
            files = json.RootElement.GetProperty("outputs").EnumerateArray()
                .ToDictionary(o => o.GetProperty("name").GetString()!, o => o.GetProperty("file").GetString()!, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            context.Checks.Add(new PackageCheck(what, false, $"the runner's output is not the JSON it should print: {e.Message}"));
            return null;
        }

        var figures = new List<string>();
        var passed = true;
        double maxAbs = 0, maxRel = 0;
        foreach (var (name, expected) in reference)
        {
            if (!files.TryGetValue(name, out var file))
            {
                context.Checks.Add(new PackageCheck(what, false, $"the runner wrote no output '{name}'"));
                return provider;
            }
            try
            {
                var path = Path.Combine(output, file);
                using var stream = File.OpenRead(path);
                var npy = NpyFile.ReadHeader(stream, path);
                var actual = npy.Read(stream, name, 0, npy.Dims);
                var accumulator = new FidelityAccumulator();
                accumulator.Add(name, expected, actual);
                var fidelity = accumulator.Result(name);
                maxAbs = Math.Max(maxAbs, fidelity.MaxAbsError);
                maxRel = Math.Max(maxRel, fidelity.MaxRelativeError);
                var ok = fidelity.MaxRelativeError <= tolerance.Relative;
                passed &= ok;
                figures.Add($"{name}: max abs error {Format(fidelity.MaxAbsError)} (relative {Format(fidelity.MaxRelativeError)}){(ok ? "" : " over tolerance")}");
            }
            catch (Exception e) when (e is EdgeOptException or IOException)
            {
                context.Checks.Add(new PackageCheck(what, false, $"output '{name}': {e.Message}"));
                return provider;
            }
        }
        var emulation = host.Emulated ? "; not timed: under emulation a timing says nothing about the device" : "";
        context.Checks.Add(new PackageCheck(what, passed,
            $"max abs error {Format(maxAbs)}, max relative {Format(maxRel)} over {reference.Count} output(s) ({string.Join("; ", figures)}); " +
            $"tolerance: {tolerance.Text}; execution provider {provider}{emulation}"));
        return provider;
    }

    public static string Format(double value) => value == 0 ? "0" : value.ToString("0.###e+0", CultureInfo.InvariantCulture);
}

/// <summary>The largest error allowed relative to each output's largest magnitude, and why, in words.</summary>
internal sealed record Tolerance(double Relative, string Text);
