using EdgeOpt.Deployment;

namespace EdgeOpt.Sweep;

/// <summary>
/// The sweep facade: crosses a <see cref="SweepSpec"/>'s models, devices and precisions into
/// <see cref="CandidateSpec"/>s, evaluates on Orleans (<see cref="CandidateGrain"/>, an in-process silo) every one
/// whose result the folder's store does not hold yet, stores each result as it arrives (so an interrupted sweep resumes
/// where it stopped), and writes the report.
/// <code>
/// var outcome = await SweepRunner.RunAsync(SweepSpec.Load("sweep.json"), "results/");
/// </code>
/// </summary>
public static class SweepRunner
{
    /// <summary>Expands the sweep into candidates, opens the folder's results store and writes <c>sweep.json</c> (the manifest).</summary>
    private static (List<CandidateSpec> Specs, SweepManifest Manifest, ResultsStore Store) Prepare(SweepSpec spec, string folder, IProgress<SweepProgress>? progress)
    {
        progress?.Report(new SweepProgress(0, 0, "hashing models and devices"));
        var specs = Expand(spec);
        var manifest = new SweepManifest
        {
            Constraints = spec.Constraints,
            Candidates = [.. specs.Select(s => new SweepCandidate(s.ModelPath, s.ModelSha256, s.Device, s.Precision, s.ComputeKey()))],
        };
        Directory.CreateDirectory(folder);
        var store = ResultsStore.Open(Path.Combine(folder, SweepManifest.StoreName));
        try
        {
            AtomicFile.WriteAllText(Path.Combine(folder, SweepManifest.FileName), manifest.ToJson() + "\n");
        }
        catch
        {
            store.Dispose();
            throw;
        }
        return (specs, manifest, store);
    }

    /// <summary>
    /// Runs the sweep into <paramref name="outputFolder"/> (<c>sweep.json</c>, <c>results.db</c>, the report files),
    /// evaluating <paramref name="parallel"/> candidates at once (≥ 1; 1 keeps host latencies free of each other's load).
    /// </summary>
    /// <exception cref="UsageException">The folder is not a sweep folder and not empty (left untouched), or the store cannot be opened.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was triggered; results stored so far are kept.</exception>
    public static async Task<SweepOutcome> RunAsync(SweepSpec spec, string outputFolder, int parallel = 1, IProgress<SweepProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        var folder = Path.GetFullPath(outputFolder);
        CheckFolder(outputFolder, folder);

        var (specs, manifest, opened) = Prepare(spec, folder, progress);
        using var store = opened;

        // A stored failure is as reproducible as a measurement (same spec, same tool version): not evaluated again.
        var pending = specs.Where(s => store.TryGet(s.ComputeKey()) is not { Status: CandidateStatus.Evaluated or CandidateStatus.Failed }).ToList();
        var cached = specs.Count - pending.Count;
        progress?.Report(new SweepProgress(0, pending.Count, $"{specs.Count} candidates: {cached} in the results store, {pending.Count} to evaluate"));
        if (pending.Count > 0) await EvaluateAsync(pending, store, parallel, progress, cancellation).ConfigureAwait(false);

        var report = SweepSelection.Build(manifest, store.TryGet);
        var files = SweepReportFiles.Write(report, folder);
        return new SweepOutcome(report, pending.Count, cached, files);
    }

    /// <summary>
    /// As <see cref="RunAsync"/>, evaluated on a cluster instead of an in-process silo: <paramref name="cluster"/> is the
    /// PostgreSQL connection string of the cluster's database (Orleans membership and the <c>edgeopt_sweep_results</c>
    /// table, created when missing), whose <c>edgeopt worker</c>s evaluate the candidates. A candidate whose key the
    /// table holds is not evaluated again; every result used is also copied into the folder's <c>results.db</c>, so
    /// <c>edgeopt sweep report</c> renders the folder without the database.
    /// </summary>
    /// <exception cref="UsageException">
    /// The folder is not a sweep folder and not empty, the database cannot be reached (host and the driver's reason; within
    /// the connection timeout, 5 s unless given), or no usable worker joined within <see cref="ClusterCoordinator.WorkerWait"/>.
    /// </exception>
    /// <remarks>
    /// <paramref name="modelsUrl"/>: where workers fetch the models instead of reading the sweep's paths — each model by its
    /// file name under that URL (which should end in <c>/</c>), verified against its SHA-256 and cached per hash; a model
    /// that cannot be fetched fails its candidates with the URL and hash, and the others go on.
    /// </remarks>
    public static async Task<SweepOutcome> RunOnClusterAsync(SweepSpec spec, string outputFolder, string cluster, Uri? modelsUrl = null,
        IProgress<SweepProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        ArgumentNullException.ThrowIfNull(cluster);
        var folder = Path.GetFullPath(outputFolder);
        CheckFolder(outputFolder, folder);
        if (modelsUrl is not null && (!modelsUrl.IsAbsoluteUri || modelsUrl.Scheme is not ("http" or "https")))
            throw new UsageException($"--models-url {modelsUrl}: expected an absolute http:// or https:// URL");
        if (modelsUrl is not null && spec.Models.Select(Path.GetFileName).GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } clash)
            throw new UsageException($"--models-url: two models are named {clash.Key}; workers fetch each model by its file name under the URL, so names must differ");
        var connection = ClusterDatabase.Normalize(cluster);
        progress?.Report(new SweepProgress(0, 0, $"connecting to the cluster database {ClusterDatabase.Describe(connection)}"));
        using var results = ClusterResultsStore.Open(connection);

        var (specs, manifest, opened) = Prepare(spec, folder, progress);
        using var store = opened;

        var stored = results.StoredKeys([.. specs.Select(s => s.ComputeKey())]);
        var pending = new List<CandidateSpec>();
        foreach (var candidate in specs)
        {
            var key = candidate.ComputeKey();
            if (stored.Contains(key) && results.TryGet(key) is { } result)
            {
                if (store.TryGet(key) is null) store.Put(result);
            }
            else pending.Add(candidate);
        }
        var cached = specs.Count - pending.Count;
        progress?.Report(new SweepProgress(0, pending.Count,
            $"{specs.Count} candidates: {cached} in the cluster's results table, {pending.Count} to evaluate on the cluster's workers"));
        if (pending.Count > 0)
            await ClusterCoordinator.EvaluateAsync(pending, connection, results, store, SweepId(manifest), modelsUrl, progress, cancellation).ConfigureAwait(false);

        var report = SweepSelection.Build(manifest, store.TryGet);
        var files = SweepReportFiles.Write(report, folder);
        return new SweepOutcome(report, pending.Count, cached, files);
    }

    /// <summary>A sweep's id in the cluster's results table: the first 16 hex digits of SHA-256 over its candidates' keys.</summary>
    internal static string SweepId(SweepManifest manifest) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(string.Join("\n", manifest.Candidates.Select(c => c.Key)))))[..16];

    /// <summary>The report of a sweep folder from its manifest and store alone (what <c>edgeopt sweep report</c> renders).</summary>
    /// <exception cref="UsageException">Not a sweep folder.</exception>
    public static SweepOutcome Report(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        var full = Path.GetFullPath(folder);
        var manifest = SweepManifest.Load(full);
        using var store = ResultsStore.Open(Path.Combine(full, SweepManifest.StoreName));
        var report = SweepSelection.Build(manifest, store.TryGet);
        return new SweepOutcome(report, 0, manifest.Candidates.Count - report.Missing, SweepReportFiles.Write(report, full));
    }

    /// <summary>Every candidate: model by model, device by device, precision by precision (the file's orders).</summary>
    internal static List<CandidateSpec> Expand(SweepSpec spec)
    {
        var specs = new List<CandidateSpec>();
        var deviceHashes = spec.Devices.ToDictionary(d => d, ContentHash.OfDevice, StringComparer.Ordinal);
        foreach (var model in spec.Models)
        {
            var modelHash = ContentHash.OfFile(model);
            foreach (var device in spec.Devices)
                foreach (var precision in spec.Precisions)
                    specs.Add(new CandidateSpec
                    {
                        ModelPath = model, ModelSha256 = modelHash, Device = device, DeviceSha256 = deviceHashes[device], Precision = precision,
                        LatencyRuns = spec.LatencyRuns, ToolVersion = CandidateSpec.CurrentToolVersion,
                    });
        }
        return specs;
    }

    private static async Task EvaluateAsync(List<CandidateSpec> pending, ResultsStore store, int parallel, IProgress<SweepProgress>? progress,
        CancellationToken cancellation)
    {
        await using var silo = await SweepSilo.StartAsync(cancellation).ConfigureAwait(false);
        var grain = silo.Grains.GetGrain<ICandidateGrain>(0);
        var done = 0;
        var storeLock = new Lock();
        await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellation }, async (spec, ct) =>
        {
            var label = $"{Path.GetFileName(spec.ModelPath)} on {spec.Device} at {SweepPrecisions.Name(spec.Precision)}";
            var json = await grain.Evaluate(spec.ToJson(), ct).ConfigureAwait(false);
            var result = CandidateResult.Parse(json, $"result of {label}");
            int count;
            // One SQLite connection: writes are serialised here, and each lands before the next candidate starts counting.
            lock (storeLock)
            {
                store.Put(result);
                count = ++done;
            }
            progress?.Report(new SweepProgress(count, pending.Count,
                result.Status == CandidateStatus.Evaluated ? $"{label}: evaluated in {result.EvaluationSeconds:0.#} s" : $"{label}: failed: {result.Reason}"));
        }).ConfigureAwait(false);
    }

    // Refused before anything is written: a folder holding other files is not ours to fill.
    private static void CheckFolder(string given, string folder)
    {
        if (File.Exists(folder)) throw new UsageException($"-o {given} is a file; give a folder for the sweep's results");
        if (!Directory.Exists(folder) || !Directory.EnumerateFileSystemEntries(folder).Any()) return;
        if (!File.Exists(Path.Combine(folder, SweepManifest.StoreName)))
            throw new UsageException($"-o {given} is not empty and holds no sweep ({SweepManifest.StoreName}); it was left untouched: give a new or empty folder, or an earlier sweep's");
    }
}
