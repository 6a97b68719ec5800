using EdgeOpt.Analysis.Estimation;

namespace EdgeOpt.Targets.Linux;

/// <summary>
/// Publishes the runner self-contained for a Linux RID with the .NET SDK (<c>dotnet publish</c>), once per (RID, runner
/// sources, ONNX Runtime version): the output is kept in <c>$XDG_CACHE_HOME/edgeopt/runners</c> (else
/// <c>~/.cache/edgeopt/runners</c>), so later packages copy the same bytes instead of building again. A lock file keeps
/// two packagers from publishing the same runner at once; a finished publish is moved into place whole, and older runners
/// of the RID are pruned then (<see cref="RunnerCache"/>).
/// </summary>
internal static class RunnerPublisher
{
    private static readonly TimeSpan PublishLimit = TimeSpan.FromMinutes(15);

    /// <summary>
    /// <c>dotnet publish</c>'s arguments after the project: self-contained, trimmed (about half the size; ONNX Runtime's
    /// managed API publishes without trim warnings, and the runner's project makes any an error), no ICU.
    /// </summary>
    public static IReadOnlyList<string> Arguments(string rid) =>
        ["-c", "Release", "-r", rid, "--self-contained", "-p:PublishTrimmed=true", "-p:InvariantGlobalization=true"];

    public static string DefaultCacheRoot() => Path.Combine(CalibrationCache.DefaultDirectory(), "runners");

    /// <summary>
    /// The folder holding the published runner for <paramref name="rid"/>: the cached one, or one published now (into the
    /// cache; into <paramref name="scratch"/> when the cache cannot be written).
    /// </summary>
    /// <exception cref="UsageException">No .NET SDK on PATH, or the publish failed: one line saying so and what to do instead.</exception>
    public static string Publish(string rid, string onnxRuntimeVersion, string scratch, IProgress<string>? progress, CancellationToken cancellation,
        string? cacheRoot = null, string? dotnet = null)
    {
        cacheRoot ??= DefaultCacheRoot();
        var key = $"{rid}-ort{onnxRuntimeVersion}-{RunnerSources.Hash(onnxRuntimeVersion)[..16]}";
        var cached = Path.Combine(cacheRoot, key);
        if (IsComplete(cached))
        {
            RunnerCache.Touch(cached);
            return cached;
        }

        try
        {
            Directory.CreateDirectory(cacheRoot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            progress?.Report($"the runner cache '{cacheRoot}' cannot be written ({e.Message}); publishing without it");
            var output = Path.Combine(scratch, "runner-publish");
            PublishInto(output, rid, onnxRuntimeVersion, scratch, progress, cancellation, dotnet);
            return output;
        }

        using (Lock(Path.Combine(cacheRoot, key + ".lock"), cancellation))
        {
            if (IsComplete(cached)) return cached; // published meanwhile by another packager
            var temp = Path.Combine(cacheRoot, $".{key}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
            try
            {
                PublishInto(temp, rid, onnxRuntimeVersion, scratch, progress, cancellation, dotnet);
                if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true); // an incomplete leftover
                Directory.Move(temp, cached);
            }
            finally
            {
                if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            }
        }
        foreach (var old in RunnerCache.Prune(cacheRoot, rid, key)) progress?.Report($"removed the older cached runner '{old}'");
        return cached;
    }

    private static bool IsComplete(string folder) => File.Exists(Path.Combine(folder, RunnerSources.Executable));

    private static void PublishInto(string output, string rid, string onnxRuntimeVersion, string scratch, IProgress<string>? progress,
        CancellationToken cancellation, string? dotnet)
    {
        const string Instead = "or package with PublishRunner = false (--no-runner-build) to ship the runner's source and build_runner.sh instead";
        dotnet ??= ChildProcess.FindOnPath("dotnet")
            ?? throw new UsageException($"building the {rid} runner needs the .NET 10 SDK, and `dotnet` is not on PATH; install it, {Instead}");
        var source = Path.Combine(scratch, "runner-src");
        RunnerSources.WriteTo(source, onnxRuntimeVersion);
        progress?.Report($"publishing the {rid} runner (dotnet publish, once per runner version: later packages take it from the cache)");

        var arguments = new List<string> { "publish", Path.Combine(source, RunnerSources.ProjectFile) };
        arguments.AddRange(Arguments(rid));
        // No build servers: nothing of MSBuild's or the compiler's outlives the publish.
        arguments.AddRange(["-o", output, "--nologo", "--disable-build-servers"]);
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            // Set when EdgeOpt itself runs under MSBuild or `dotnet test`: they would point the child at that SDK's internals.
            ["MSBuildExtensionsPath"] = null,
            ["MSBuildSDKsPath"] = null,
            ["MSBUILD_EXE_PATH"] = null,
            ["MSBuildLoadMicrosoftTargetsReadOnly"] = null,
        };
        ProcessResult? result;
        try
        {
            result = ChildProcess.Run(dotnet, arguments, source, PublishLimit, environment, cancellation);
        }
        catch (TimeoutException e)
        {
            throw new UsageException($"building the {rid} runner failed: `dotnet publish` ran past {PublishLimit.TotalMinutes:0} minutes; {Instead}", e);
        }
        if (result is null)
            throw new UsageException($"building the {rid} runner needs the .NET 10 SDK, and '{dotnet}' cannot be started; install it, {Instead}");
        if (result.ExitCode != 0 || !IsComplete(output))
            throw new UsageException($"building the {rid} runner failed: `dotnet publish` says: {result.FailureLine()}; it needs the .NET 10 SDK and NuGet access (restore), {Instead}");
    }

    // An exclusive lock on a file (flock on Unix): waits while another packager, in this process or another, holds it.
    private static FileStream Lock(string path, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + PublishLimit;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(250));
                cancellation.ThrowIfCancellationRequested();
            }
        }
    }
}
