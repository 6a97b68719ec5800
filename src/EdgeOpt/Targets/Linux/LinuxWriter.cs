using System.Runtime.InteropServices;
using System.Text;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using EdgeOpt.Targets.Internal;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Targets.Linux;

/// <summary>The CPU architecture of a Linux package.</summary>
internal enum LinuxArchitecture
{
    X64,
    Arm64,
}

/// <summary>
/// Linux packages (linux-x64, linux-arm64, raspberry-pi): the model, <c>session_options.json</c> (threads for the
/// device's performance cores, XNNPACK where the ORT build has it), the self-contained runner published for the RID (or
/// its source and a build script), <c>run.sh</c>, a sample input and the README. The package is run here as shipped:
/// natively, or under QEMU user-mode emulation for the other architecture, and its outputs compared with ORT's.
/// </summary>
internal sealed class LinuxWriter(LinuxArchitecture architecture, bool raspberryPi) : ITargetWriter
{
    public const string ModelFile = "model.onnx";
    public const string RunnerFolder = "runner";
    public const string SourceFolder = "runner-src";
    public const string SampleFolder = "sample";

    /// <summary>FP32: the same graph on another machine's kernels (x64 and Arm MLAS sum in different orders).</summary>
    public static readonly Tolerance Fp32Tolerance = new(1e-4, "1e-4 of each output's largest magnitude (FP32 kernels of x64 and Arm sum in different orders)");

    /// <summary>
    /// INT8: Arm's dot products and x64's VNNI accumulate 8-bit products exactly (ResNet18: 2e-7 apart here), but x64 with
    /// AVX2 alone multiplies u8×s8 pairs with vpmaddubsw, whose 16-bit sums can saturate (why ONNX Runtime's quantizer
    /// has reduce_range), moving an activation by a quantization step or more.
    /// </summary>
    public static readonly Tolerance Int8Tolerance = new(2e-2,
        "2e-2 of each output's largest magnitude (Arm dot products and x64 VNNI are exact, but AVX2-only x64 sums 8-bit products in saturating 16-bit lanes)");

    public LinuxArchitecture Architecture { get; } = architecture;

    public bool RaspberryPi { get; } = raspberryPi;

    public string Rid => Architecture == LinuxArchitecture.Arm64 ? "linux-arm64" : "linux-x64";

    private string Machine => Architecture == LinuxArchitecture.Arm64 ? "aarch64" : "x86_64";

    public string? RefusePrecision(PackagePrecision precision) => precision == PackagePrecision.Fp16
        ? "ONNX Runtime's CPU execution provider lacks float16 kernels for most operators (Conv, Gemm, ...); use fp32 or int8"
        : null;

    public void Write(PackageContext context, string folder)
    {
        var tuning = LinuxTuning.For(context.Device, Architecture);
        var title = $"{Path.GetFileNameWithoutExtension(context.SourcePath)} for {(context.Device is { } d ? $"{d.Name}, " : "")}{Rid}, {context.PrecisionName}";
        File.Copy(context.ModelPath, Path.Combine(folder, ModelFile));
        File.WriteAllBytes(Path.Combine(folder, LinuxTuning.FileName), tuning.ToJson());
        var samples = WriteSamples(context, folder);

        var published = context.Options.PublishRunner;
        if (published)
        {
            var runner = RunnerPublisher.Publish(Rid, context.OnnxRuntimeVersion, context.Scratch, context.Progress, context.Cancellation);
            CopyRunner(runner, Path.Combine(folder, RunnerFolder));
        }
        else
        {
            RunnerSources.WriteTo(Path.Combine(folder, SourceFolder), context.OnnxRuntimeVersion);
            WriteScript(Path.Combine(folder, LinuxScripts.BuildScript), LinuxScripts.Build(Rid, RunnerPublisher.Arguments(Rid)));
            context.Notes.Add($"the runner is not built (PublishRunner = false, --no-runner-build): ./{LinuxScripts.BuildScript} publishes it into " +
                $"{RunnerFolder}/ with the .NET 10 SDK; nothing was run with it here");
        }
        WriteScript(Path.Combine(folder, LinuxScripts.RunScript), LinuxScripts.Run(Rid, Machine, title, samples));
        context.Cancellation.ThrowIfCancellationRequested();

        string? provider = null;
        var reference = samples.Count > 0 ? Reference(context) : null;
        var host = RunnerVerification.Find(Architecture);
        if (published && reference is not null)
        {
            if (host.CanRun)
            {
                context.Progress?.Report($"running the package's runner {host.How}");
                var tolerance = context.Options.Precision == PackagePrecision.Fp32 ? Fp32Tolerance : Int8Tolerance;
                provider = RunnerVerification.Check(context, folder, Rid, host, reference, tolerance);
            }
            else context.Notes.Add($"the {Rid} runner was not run here: {host.How}");
        }
        Advise(context, tuning, ranHere: provider is not null, emulated: provider is not null && host.Emulated);
        File.WriteAllText(Path.Combine(folder, LinuxReadme.FileName),
            LinuxReadme.Write(context, new LinuxReadme.Facts(Rid, title, tuning, published, samples, provider)));
    }

    // sample/input.npy (one input) or sample/input<i>.npy, from the first verification input set; run.sh passes them by name.
    private static List<(string Name, string File)> WriteSamples(PackageContext context, string folder)
    {
        var inputs = context.VerificationInputs[0];
        var names = context.Model.Graph.Inputs.Where(i => !i.IsInitializer && inputs.ContainsKey(i.Name)).Select(i => i.Name).ToList();
        if (names.FirstOrDefault(n => NpyWriter.Descr(inputs[n].DataType) is null) is { } unreadable)
        {
            context.Notes.Add($"no sample input: input '{unreadable}' is {inputs[unreadable].DataType.OnnxName()}, which the runner does not read " +
                "(float32, int64, int32, uint8, int8, bool); the runner cannot feed this model");
            return [];
        }
        Directory.CreateDirectory(Path.Combine(folder, SampleFolder));
        var samples = new List<(string, string)>();
        for (var i = 0; i < names.Count; i++)
        {
            var file = $"{SampleFolder}/input{(names.Count == 1 ? "" : i.ToString(System.Globalization.CultureInfo.InvariantCulture))}.npy";
            NpyWriter.Write(Path.Combine(folder, file), inputs[names[i]]);
            samples.Add((names[i], file));
        }
        return samples;
    }

    // ONNX Runtime here on the sample input, with the package's graph optimizations: the outputs the runner must reproduce.
    private static Dictionary<string, Tensor>? Reference(PackageContext context)
    {
        var what = $"model.onnx runs in ONNX Runtime {context.OnnxRuntimeVersion} here ({RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}) " +
            $"on the sample input, graph optimizations {LinuxTuning.GraphOptimization}";
        try
        {
            using var session = SessionFactory.Create(context.ModelPath, new SessionSettings { Optimization = GraphOptimization.All, IntraOpThreads = 1 });
            var sample = context.VerificationInputs[0];
            var names = session.InputMetadata.Keys.Where(sample.ContainsKey).ToList();
            var values = names.Select(n => OrtTensors.ToOrtValue(sample[n])).ToList();
            try
            {
                var outputNames = session.OutputMetadata.Keys.ToList();
                using var runOptions = new RunOptions();
                using var outputs = session.Run(runOptions, names, values, outputNames);
                var result = outputNames.Select((n, i) => (n, t: OrtTensors.ToTensor(outputs[i], n))).ToDictionary(x => x.n, x => x.t, StringComparer.Ordinal);
                context.Checks.Add(new PackageCheck(what, true, $"outputs {string.Join(", ", result.Values.Select(t => $"{t.Name} {t.DataType.OnnxName()}[{string.Join(",", t.Dims)}]"))}"));
                return result;
            }
            finally
            {
                foreach (var value in values) value.Dispose();
            }
        }
        catch (Exception e) when (e is EdgeOptException or OnnxRuntimeException)
        {
            context.Checks.Add(new PackageCheck(what, false, e.Message));
            return null;
        }
    }

    // What the device decides (threads' effect, INT8's worth on its cores) and what only it can measure.
    private void Advise(PackageContext context, LinuxTuning tuning, bool ranHere, bool emulated)
    {
        var device = context.Device;
        var target = device?.Name ?? $"the {Rid} machine";
        var int8 = context.Options.Precision is PackagePrecision.Int8 or PackagePrecision.Int8Dynamic;
        if (RaspberryPi)
            context.Notes.Add($"a Raspberry Pi runs this only on a 64-bit OS ({device?.OsMinimum ?? "Raspberry Pi OS 64-bit: ONNX Runtime has no 32-bit Arm Linux build"}): " +
                "`uname -m` must print aarch64; run.sh refuses anything else");
        if (Architecture == LinuxArchitecture.Arm64)
        {
            var core = tuning.Cores?.Core;
            var dot = core is null ? null : ArmDotProduct.Has(core);
            context.Notes.Add((int8, dot) switch
            {
                (true, true) => $"INT8 suits the {core}: it has the Armv8.2 dot-product instructions (SDOT/UDOT) ONNX Runtime's MLAS uses for 8-bit convolutions and matrix products",
                (true, false) => $"the {core} lacks the dot-product instructions (Armv8.0, no SDOT/UDOT): INT8 runs on widening multiply-adds there and may gain little over FP32; " +
                    "compare both with ./run.sh bench on the device",
                (false, true) => $"INT8 is preferred on the {core}, which has the Armv8.2 dot-product instructions (SDOT/UDOT) ONNX Runtime's MLAS uses: " +
                    "package with --precision int8 --data DATA (static, calibrated) or int8-dynamic",
                (false, false) => $"FP32 suits the {core}: without dot-product instructions (Armv8.0) INT8 gains little there",
                (true, null) => "INT8 is fastest on cores with the Armv8.2 dot-product instructions (`asimddp` in /proc/cpuinfo: Cortex-A55, A76 and newer); " +
                    "on Armv8.0 cores (Cortex-A53, A72) it gains little: compare with FP32 on the device",
                (false, null) => "on cores with the Armv8.2 dot-product instructions (`asimddp` in /proc/cpuinfo: Cortex-A55, A76 and newer) an INT8 package " +
                    "(--precision int8 --data DATA) is usually faster",
            });
        }
        else if (int8)
            context.Notes.Add("INT8 on x64 is fastest with VNNI (`avx512_vnni` or `avx_vnni` in /proc/cpuinfo); without it MLAS multiplies 8-bit pairs on AVX2, whose 16-bit sums can saturate");

        context.DeviceOnly.Add($"latency and throughput on {target}'s own cores: ./run.sh bench there" +
            (emulated ? " (the run here was emulated; its time says nothing and was not measured)" : ""));
        context.DeviceOnly.Add("sustained speed: thermal throttling under a long run (./run.sh bench --runs 5000)" +
            (device?.Power is { } power ? $"; the {device.Name} throttles from {power.ThermalLimitC:0} °C" : "") + ", so cooling matters");
        context.DeviceOnly.Add("peak memory on the device (/usr/bin/time -v ./run.sh bench)");
        if (int8) context.DeviceOnly.Add($"whether INT8 is faster than FP32 on {target}: bench both packages there");
        if (!ranHere) context.DeviceOnly.Add($"the runner's outputs on {Rid}: not checked here");
    }

    // The published files; modes normalized (ELF files and the runner executable, everything else read-only data) so
    // that the package's bytes and modes do not depend on the umask or on how the cache was filled.
    private static void CopyRunner(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(target, IsElf(target) ? Executable : Data);
        }
    }

    private const UnixFileMode Data = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode Executable = Data | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private static bool IsElf(string path)
    {
        Span<byte> magic = stackalloc byte[4];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("\u007fELF"u8);
    }

    private static void WriteScript(string path, string text)
    {
        File.WriteAllText(path, text.ReplaceLineEndings("\n"), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, Executable);
    }
}
