using System.Diagnostics;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;

namespace EdgeOpt.Deployment;

/// <summary>
/// Finds the best deployable variant of a model for one device under an <see cref="OptimizationConfig"/> (the seed's
/// <c>create_edge_deployer(device, config)</c>): it searches precisions, per-channel scales, ORT graph optimization
/// levels, threads and the device's backends, measures each candidate on this host and estimates it on the target,
/// picks the fastest candidate meeting every constraint (or the closest when none does) and writes it, packaged for the
/// device's platform, with a report of every candidate, the Pareto front and the choice.
/// </summary>
public sealed class EdgeDeployer
{
    private readonly string _deviceArgument;

    private EdgeDeployer(string deviceArgument, ResolvedDevice device, OptimizationConfig config, DeployerOptions options)
    {
        _deviceArgument = deviceArgument;
        Device = device;
        Config = config;
        Options = options;
    }

    /// <summary>The target device, as resolved.</summary>
    public ResolvedDevice Device { get; }

    /// <summary>What the deployment must achieve.</summary>
    public OptimizationConfig Config { get; }

    /// <summary>How the deployer works (results store, replacing an earlier output).</summary>
    public DeployerOptions Options { get; }

    /// <summary>A deployer for a catalogue device (forgiving lookup, <c>pixel-7</c>) or a <c>device.json</c> custom device.</summary>
    /// <exception cref="UsageException">Unknown device (with suggestions) or an unreadable device file.</exception>
    /// <exception cref="DataFormatException">A malformed device file.</exception>
    /// <exception cref="InvalidOptionsException">An invalid config.</exception>
    public static EdgeDeployer Create(string device, OptimizationConfig config, DeployerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        ArgumentNullException.ThrowIfNull(config);
        ThrowHelper.IfInvalid(config.Validate());
        var resolved = ResolvedDevice.Resolve(device);
        DeploymentPower.Require(resolved.Device, config);
        // A custom device is passed to each candidate by its file (specs are self-contained); a catalogue one by its id.
        return new EdgeDeployer(resolved.IsCustom ? Path.GetFullPath(device) : resolved.Device.Id, resolved, config, options ?? new DeployerOptions());
    }

    /// <summary>A deployer for a catalogue device.</summary>
    public static EdgeDeployer Create(EdgeDevice catalogueDevice, OptimizationConfig config, DeployerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalogueDevice);
        return Create(catalogueDevice.Id, config, options);
    }

    /// <summary>
    /// Searches, selects and writes the deployment of <paramref name="modelPath"/> to <paramref name="outputDirectory"/>
    /// (atomically; an existing folder is replaced only when it is an earlier deployment and <see cref="DeployerOptions.Force"/>
    /// is set). When no candidate meets the constraints the closest one is still written and
    /// <see cref="DeploymentResult.ConstraintsMet"/> is false, with the margins in <see cref="DeploymentResult.Checks"/>.
    /// </summary>
    /// <exception cref="InvalidOptionsException">An accuracy constraint without data, or invalid data options.</exception>
    /// <exception cref="UsageException">The output folder is refused (nothing is touched), or the data cannot be read.</exception>
    /// <exception cref="ConstraintException">The time budget ran out before the FP32 baseline was measured.</exception>
    /// <exception cref="FileNotFoundException">The model does not exist.</exception>
    public DeploymentResult Deploy(string modelPath, DeploymentData? data, string outputDirectory, IProgress<DeployProgress>? progress = null,
        CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var config = Config;
        ThrowHelper.IfInvalid(Problems(config, data));
        var input = Path.GetFullPath(modelPath);
        if (!File.Exists(input)) throw new FileNotFoundException($"model '{modelPath}' not found", modelPath);
        var output = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputDirectory));
        DeploymentFolder.Validate(input, outputDirectory, output, Options.Force);
        if (data is not null && !File.Exists(data.Path) && !Directory.Exists(data.Path) && !data.Path.StartsWith("random", StringComparison.Ordinal))
            throw new UsageException($"data '{data.Path}' does not exist");
        if (data?.LabelsPath is { } labels && !File.Exists(labels)) throw new UsageException($"labels '{labels}' do not exist");

        progress?.Report(new DeployProgress("prepare", 0, 0, null, "hashing the model and data"));
        var template = new CandidateSpec
        {
            ModelPath = input,
            ModelSha256 = ContentHash.OfFile(input),
            Device = _deviceArgument,
            DeviceSha256 = ContentHash.OfDevice(Device),
            Precision = CandidatePrecision.Fp32,
            BatchSize = config.BatchSize,
            Data = data is null ? null : new CandidateData
            {
                Path = Path.GetFullPath(data.Path),
                Sha256 = ContentHash.OfData(data.Path),
                LabelsPath = data.LabelsPath is { } l ? Path.GetFullPath(l) : null,
                LabelsSha256 = data.LabelsPath is { } lp ? ContentHash.OfFile(lp) : null,
                Image = data.Source.Image,
                Samples = data.Samples,
                CalibrationSamples = data.CalibrationSamples,
            },
            ToolVersion = CandidateSpec.CurrentToolVersion,
        };
        var fileBytes = new FileInfo(input).Length;
        using var model = Model.Load(input);
        var facts = CandidateSpace.ModelFacts.Of(model, fileBytes);

        using var evaluator = new CandidateEvaluator();
        evaluator.KnowHash(input, template.ModelSha256);
        using var store = Options.ResultsStorePath is { } storePath ? ResultsStore.Open(storePath) : null;
        var search = new DeploymentSearch(evaluator.Evaluate, store is null ? null : store.TryGet, store is null ? null : store.Put, s => s.ComputeKey());
        CandidateSpace.Space? space = null;
        var baselineSpec = CandidateSpace.Baseline(Device, config, template, Environment.ProcessorCount);
        var outcome = search.Run(baselineSpec, baseline =>
        {
            // Labels are known for sure once the baseline measured accuracy (class sub-folders label an image folder too).
            space = CandidateSpace.Build(model, facts, Device, config, template, baseline.MeasuredAccuracy is not null, Environment.ProcessorCount);
            return space.Candidates;
        }, clock, config.TimeBudget, progress, ct);

        var hasLabels = outcome.Baseline.MeasuredAccuracy is not null;
        if (!hasLabels && (config.TargetAccuracy is not null || config.MaxAccuracyDrop is not null) && data is not null && data.LabelsPath is not null)
            throw new UsageException($"labels '{data.LabelsPath}' gave no accuracy for the FP32 baseline; check they match the data");
        var reference = new DeploymentSelection.Reference(outcome.Baseline, fileBytes, hasLabels);
        Func<CandidateResult, bool>? eligible = config.Quantization is { } fixedType
            ? c => CandidateSpace.Allowed(fixedType).Contains(c.Spec.Precision)
            : null;
        if (config.EstimatesPower) progress?.Report(new DeployProgress("power", 0, 0, null, "estimating energy and battery life on the target"));
        var candidates = DeploymentPower.Attach(outcome.Results, Device.Device, config, spec => evaluator.EstimationModelFor(spec, ct));
        DeploymentPower.ThrowIfUnreachable(candidates, config, eligible);
        DeploymentSelection.Selection selection;
        try
        {
            selection = DeploymentSelection.Select(candidates, reference, config, eligible);
        }
        catch (InvalidOperationException)
        {
            throw new ConstraintException(
                $"no {config.Quantization} candidate was evaluated (the time budget or failures left none); " +
                string.Join("; ", outcome.Results.Where(r => r.Status != CandidateStatus.Evaluated).Select(r => $"{r.Label}: {r.Reason}").Take(3)));
        }

        progress?.Report(new DeployProgress("package", 0, 1, selection.Chosen.Label, "writing the chosen model and its package"));
        using var cachedModel = CachedModel(selection.Chosen);
        // Otherwise owned by the evaluator (the same model it measured, or rebuilt for a cached result).
        var chosenModel = cachedModel ?? evaluator.BuildModel(selection.Chosen.Spec, null, ct);
        KeepModel(selection.Chosen, chosenModel);
        var notes = Notes(space?.Notes ?? [], outcome, hasLabels, config, data);
        var result = DeploymentFolder.Write(input, outputDirectory, output, Options.Force, chosenModel, selection.Chosen, Device.Device, config, Options.Package, files =>
            new DeploymentResult
            {
                Target = new DeploymentTarget(Device.Device.Id, Device.Device.Name, Device.Device.Platform.ToString(), Device.Device.Class.ToString(),
                    Device.BorrowedFrom, Device.Borrowed),
                Config = config,
                AccuracyMetric = hasLabels ? "accuracy" : "fidelity",
                Candidates = candidates,
                ParetoFront = selection.ParetoFront,
                ChosenKey = selection.Chosen.Key,
                ConstraintsMet = selection.ConstraintsMet,
                Checks = selection.Checks,
                BaselineKey = outcome.Baseline.Key,
                OriginalSizeBytes = fileBytes,
                Provenance = new DeploymentProvenance(CandidateSpec.CurrentToolVersion, input, template.ModelSha256, HostDescription.Current.ToString(),
                    started, clock.Elapsed.TotalSeconds, Options.Command ?? $"EdgeDeployer.Create(\"{_deviceArgument}\", config).Deploy(\"{modelPath}\", …)",
                    outcome.Cached),
                Files = files,
                Notes = notes,
            });
        progress?.Report(new DeployProgress("package", 1, 1, selection.Chosen.Label, $"written to {outputDirectory}"));
        return result;
    }

    /// <summary>
    /// Chosen models are kept next to the results store by candidate key (<c>models/KEY.onnx</c>), so a rerun that takes
    /// every result from the store does not rebuild (recalibrate) the one it writes.
    /// </summary>
    private string? ModelCachePath(CandidateResult chosen) =>
        Options.ResultsStorePath is { } store ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(store))!, "models", chosen.Key + ".onnx") : null;

    // A kept model counts only when its size is the recorded one; anything else is rebuilt (and replaced).
    private Model? CachedModel(CandidateResult chosen)
    {
        if (ModelCachePath(chosen) is not { } path || new FileInfo(path) is not { Exists: true } file || file.Length != chosen.SizeBytes) return null;
        try
        {
            return Model.Load(path);
        }
        catch (EdgeOptException)
        {
            return null;
        }
    }

    private void KeepModel(CandidateResult chosen, Model model)
    {
        if (ModelCachePath(chosen) is not { } path || File.Exists(path)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllBytes(path, model.ToBytes());
    }

    /// <summary>What stops a deployment before it starts: an accuracy constraint without data, invalid data options.</summary>
    private static List<OptionProblem> Problems(OptimizationConfig config, DeploymentData? data)
    {
        var problems = new List<OptionProblem>(config.Validate());
        if (data is null)
        {
            foreach (var member in new[] { (config.TargetAccuracy, nameof(OptimizationConfig.TargetAccuracy)), (config.MaxAccuracyDrop, nameof(OptimizationConfig.MaxAccuracyDrop)) })
                if (member.Item1 is not null)
                    problems.Add(new("{0} needs data to measure accuracy on: add {1} (with labels for accuracy, without for fidelity to FP32)",
                        $"{nameof(OptimizationConfig)}.{member.Item2}", $"{nameof(DeploymentData)}.{nameof(DeploymentData.Path)}"));
        }
        else problems.AddRange(data.Validate());
        return problems;
    }

    private static List<string> Notes(IReadOnlyList<string> spaceNotes, DeploymentSearch.Outcome outcome, bool hasLabels, OptimizationConfig config, DeploymentData? data)
    {
        var notes = new List<string>();
        if (!hasLabels)
            notes.Add(data is null
                ? "no data: quality is fidelity to the FP32 model (cosine and top-1 agreement) on seeded random inputs, not accuracy"
                : "no labels: quality is fidelity to the FP32 model (top-1 agreement, else cosine), not accuracy; accuracy constraints are checked as fidelity");
        notes.Add("latency and memory on the target are estimated (host-calibrated roofline); accuracy, fidelity, size and host latency are measured");
        if (config.BatteryOptimization)
            notes.Add(config.EstimatesPower
                ? "battery optimization: the least energy per inference (estimated with the power model) among the candidates meeting the constraints"
                : "battery optimization: energy per inference approximated as core-milliseconds (estimated target latency x active CPU cores; an accelerator counts as one)");
        if (config.EstimatesPower)
            notes.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"energy, battery life, power and temperature are estimated (EdgeOpt.Power: per-operation energies, the device's power figures) at {config.RatePerSecond ?? Power.BatteryOptimizationConfig.DefaultRatePerSecond:G4} inferences/s") +
                (config.HasBatteryConstraints ? "; each candidate runs in the fastest power mode that meets the battery, power and thermal limits" : ""));
        notes.Add($"pruning: size and target memory predicted (fp16 1/2, int8 1/4 of the float weights; int4 1/8 of MatMul weights) with {CandidateSpace.PredictionSlack:P0} slack; latency is never pruned on a prediction");
        if (outcome.BudgetExhausted) notes.Add($"the time budget of {config.TimeBudget} ran out: the choice is the best of the candidates evaluated so far");
        if (outcome.Cached > 0) notes.Add($"{outcome.Cached} candidate results came from the results store (measured earlier on: see each candidate's host)");
        notes.AddRange(spaceNotes);
        return notes;
    }
}
