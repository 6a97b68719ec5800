using System.Diagnostics;
using System.Globalization;
using EdgeOpt.Analysis;
using EdgeOpt.Data;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Pruning;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using EdgeOpt.Runtime.Benchmarking;
using Microsoft.ML.OnnxRuntime;
using Tensor = EdgeOpt.Onnx.Tensor;

namespace EdgeOpt.Deployment;

/// <summary>
/// Evaluates <see cref="CandidateSpec"/>s: builds each candidate's model with the existing facades, measures it on this
/// host and estimates it on the target. One instance is a memo of the work candidates share — the loaded model and
/// data, the FP32 baseline's outputs, one activation calibration per model and data (every static INT8 and mixed
/// variant reuses it), and each built model (thread, batch, backend and ORT-level variants reuse it) — so a search
/// pays for each only once; a result still depends only on its spec. Not thread-safe: one evaluation at a time.
/// </summary>
internal sealed class CandidateEvaluator : IDisposable
{
    /// <summary>Samples of random inputs a spec without data is compared on.</summary>
    public const int RandomSamples = 16;

    /// <summary>Untimed runs of each session before the interleaved timing.</summary>
    public const int WarmupRuns = 3;

    /// <summary>Longest failure reason kept (one line).</summary>
    public const int MaxReasonLength = 300;

    private static readonly TimeSpan MemorySampleInterval = TimeSpan.FromMilliseconds(1);

    private readonly Dictionary<string, Source> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ResolvedDevice> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DataSet> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Baseline> _baselines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CalibrationResult> _calibrations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _fullDataAccuracy = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Built> _built = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Quality> _quality = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Model> _estimationModels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Pruned> _pruned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileStamp> _hashed = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _owned = [];

    /// <summary>How many calibration passes ran (the rest were reused); for tests and the search's statistics.</summary>
    public int CalibrationPasses { get; private set; }

    /// <summary>
    /// Builds, measures and estimates one candidate. Whatever goes wrong inside the candidate (a quantizer refusing the
    /// model, data that does not fit, a device without the unit) is a <see cref="CandidateStatus.Failed"/> result with
    /// the reason on one line; only cancellation throws.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was triggered.</exception>
    public CandidateResult Evaluate(CandidateSpec spec, IProgress<string>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var clock = Stopwatch.StartNew();
        var key = spec.ComputeKey();
        var label = CandidateCommand.Label(spec);
        var host = HostDescription.Current.ToString();
        var notes = new List<string>();
        var result = new CandidateResult
        {
            Spec = spec, Key = key, Label = label, Status = CandidateStatus.Evaluated, Command = "", Host = host,
        };
        try
        {
            ThrowHelper.IfInvalid(spec.Validate());
            result = result with { Command = CandidateCommand.For(spec) };
            Report(progress, label, "loading");
            var source = LoadSource(spec);
            var device = ResolveDevice(spec);
            var data = OpenData(spec, source, notes);
            var baseline = MeasureBaseline(spec, source, data, progress, label, cancellation);
            var built = Build(spec, source, data, progress, label, cancellation);
            notes.AddRange(built.Notes);
            result = result with
            {
                Command = built.Command,
                SizeBytes = built.SizeBytes,
                Sensitivity = built.Sensitivity,
                FloatNodes = built.FloatNodes,
                Pruning = built.Pruning,
            };

            Report(progress, label, "measuring accuracy");
            var quality = MeasureQuality(spec, built, data, baseline, cancellation);
            result = result with
            {
                MeasuredAccuracy = quality.Accuracy,
                MeasuredBaselineAccuracy = baseline.Accuracy,
                EvaluationSamples = data.Evaluation.Count,
                MeasuredCosine = quality.Cosine,
                MeasuredTop1Agreement = quality.Top1Agreement,
            };

            Report(progress, label, "measuring latency");
            var latency = MeasureLatency(spec, built.Model, source.Model, data, cancellation);
            result = result with
            {
                MeasuredLatencyP50Ms = latency.P50,
                MeasuredLatencyP90Ms = latency.P90,
                MeasuredBaselineP50Ms = latency.BaselineP50,
                MeasuredPeakMemoryBytes = latency.PeakMemoryBytes,
            };

            Report(progress, label, "estimating on the target");
            result = Estimate(result, spec, device, SourceFor(spec, source, data, progress, label, cancellation).Source, built, data);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not (OutOfMemoryException or StackOverflowException))
        {
            result = result with { Status = CandidateStatus.Failed, Reason = OneLine(e) };
        }
        return result with { EvaluationSeconds = clock.Elapsed.TotalSeconds, Notes = [.. notes, .. result.Notes] };
    }

    /// <summary>
    /// The model <paramref name="spec"/> builds — the one <see cref="Evaluate"/> measured, rebuilt when it was not
    /// evaluated here (a cached result) — to write out the chosen candidate. Owned by this evaluator: valid until disposed.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was triggered.</exception>
    public Model BuildModel(CandidateSpec spec, IProgress<string>? progress, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ThrowHelper.IfInvalid(spec.Validate());
        var source = LoadSource(spec);
        var data = OpenData(spec, source, []);
        return Build(spec, source, data, progress, CandidateCommand.Label(spec), cancellation).Model;
    }

    /// <summary>
    /// The model the target estimate of <paramref name="spec"/> is made on: the graph-optimized FP32 model (pruned to the
    /// spec's target first) with its inputs fixed to a sample's shapes, to be costed at the spec's compute precision.
    /// Owned by this evaluator: valid until disposed, not to be modified.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was triggered.</exception>
    public Model EstimationModelFor(CandidateSpec spec, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ThrowHelper.IfInvalid(spec.Validate());
        var source = LoadSource(spec);
        var data = OpenData(spec, source, []);
        return EstimationModel(SourceFor(spec, source, data, null, CandidateCommand.Label(spec), cancellation).Source, data, PruneKey(spec));
    }

    public void Dispose()
    {
        foreach (var owned in _owned) owned.Dispose();
        _owned.Clear();
        _sources.Clear();
        _built.Clear();
    }

    /// <summary>
    /// Records that the caller has just hashed <paramref name="path"/> to <paramref name="sha256"/>, so loading it for a
    /// spec does not read the whole file a second time while its length and modification time are unchanged.
    /// </summary>
    public void KnowHash(string path, string sha256) => _hashed[Path.GetFullPath(path)] = FileStamp.Of(path, sha256);

    private readonly record struct FileStamp(string Sha256, long Length, DateTime ModifiedUtc)
    {
        public static FileStamp Of(string path, string sha256)
        {
            var file = new FileInfo(path);
            return new FileStamp(sha256, file.Length, file.LastWriteTimeUtc);
        }
    }

    private string HashOf(string path)
    {
        var full = Path.GetFullPath(path);
        if (_hashed.TryGetValue(full, out var known) && FileStamp.Of(full, known.Sha256) == known) return known.Sha256;
        var sha = ContentHash.OfFile(path);
        _hashed[full] = FileStamp.Of(full, sha);
        return sha;
    }

    // ---- shared work, memoized by content ----

    /// <summary>The input model as given, after checking its bytes are the ones the spec was made for, and its graph-optimized FP32 form.</summary>
    private sealed record Source(Model Model, Model Optimized);

    private Source LoadSource(CandidateSpec spec)
    {
        if (_sources.TryGetValue(spec.ModelSha256, out var known)) return known;
        if (!File.Exists(spec.ModelPath)) throw new FileNotFoundException($"model file not found: {spec.ModelPath}", spec.ModelPath);
        var sha = HashOf(spec.ModelPath);
        if (sha != spec.ModelSha256)
            throw new UsageException($"{spec.ModelPath} has SHA-256 {sha[..12]}…, not the spec's {spec.ModelSha256[..12]}…: the model changed since the spec was made");
        var model = Model.Load(spec.ModelPath);
        _owned.Add(model);
        var optimized = model.Clone();
        _owned.Add(optimized);
        ModelOptimizer.Optimize(optimized, new OptimizationOptions { Level = PassLevel.Extended });
        return _sources[spec.ModelSha256] = new Source(model, optimized);
    }

    private ResolvedDevice ResolveDevice(CandidateSpec spec)
    {
        if (_devices.TryGetValue(spec.Device, out var known) && ContentHash.OfDevice(known) == spec.DeviceSha256) return known;
        var device = ResolvedDevice.Resolve(spec.Device);
        var sha = ContentHash.OfDevice(device);
        if (sha != spec.DeviceSha256)
            throw new UsageException($"device '{spec.Device}' has SHA-256 {sha[..12]}…, not the spec's {spec.DeviceSha256[..12]}…: the device definition changed since the spec was made");
        return _devices[spec.Device] = device;
    }

    /// <summary>The samples: the data opened for the model (or random inputs), its labels, and which samples calibrate and which evaluate.</summary>
    private sealed record DataSet(string Key, ISampleSource Source, IReadOnlyList<int>? Labels, int CalibrationCount,
        IReadOnlyList<int> Evaluation, bool Overlaps, bool IsRandom);

    private DataSet OpenData(CandidateSpec spec, Source source, List<string> notes)
    {
        var data = spec.Data;
        var key = $"{spec.ModelSha256}|{(data is null ? "random" : CandidateJson.Canonical(data))}";
        if (!_data.TryGetValue(key, out var set))
        {
            if (data is null)
            {
                var model = source.Model;
                var samples = Enumerable.Range(0, RandomSamples).Select(i => (IReadOnlyDictionary<string, Tensor>)InputGenerator.Random(model, seed: i)).ToList();
                set = new DataSet(key, new InMemorySampleSource(samples, description: $"random ({RandomSamples} samples, NOT representative)", isRepresentative: false),
                    null, 0, [.. Enumerable.Range(0, RandomSamples)], Overlaps: false, IsRandom: true);
            }
            else
            {
                var sha = ContentHash.OfData(data.Path);
                if (sha != data.Sha256)
                    throw new UsageException($"data {data.Path} has SHA-256 {sha[..12]}…, not the spec's {data.Sha256[..12]}…: the data changed since the spec was made");
                IReadOnlyList<int>? labels = null;
                if (data.LabelsPath is { } labelsPath)
                {
                    var labelsSha = ContentHash.OfFile(labelsPath);
                    if (labelsSha != data.LabelsSha256)
                        throw new UsageException($"labels {labelsPath} have SHA-256 {labelsSha[..12]}…, not the spec's: the labels changed since the spec was made");
                    labels = LabelFile.Load(labelsPath);
                }
                var opened = SampleSources.Open(data.Path, source.Model, new SampleSourceOptions { Image = data.Image });
                opened.CheckFits(source.Model);
                labels ??= opened.Labels;
                var count = opened.Count;
                var calibration = Math.Min(data.CalibrationSamples, count);
                var left = count - calibration;
                var wanted = data.Samples == 0 ? (left > 0 ? left : count) : data.Samples;
                var heldOut = calibration + wanted <= count;
                var evaluation = heldOut ? Enumerable.Range(calibration, wanted).ToList() : Enumerable.Range(0, Math.Min(wanted, count)).ToList();
                if (labels is not null && labels.Count < evaluation[^1] + 1)
                    throw new UsageException($"{labels.Count} labels for {count} samples of {opened.Description}");
                set = new DataSet(key, opened, labels, calibration, evaluation, Overlaps: !heldOut, IsRandom: false);
            }
            _data[key] = set;
        }
        if (set.IsRandom) notes.Add($"no data: fidelity measured on {RandomSamples} random inputs (not representative), no accuracy");
        if (set.Overlaps && spec.Precision is CandidatePrecision.Int8Static or CandidatePrecision.Mixed)
            notes.Add(Invariant($"the data has {set.Source.Count} samples, fewer than {set.CalibrationCount} to calibrate plus {spec.Data!.Samples} to evaluate: evaluation overlaps calibration, so accuracy may read high"));
        return set;
    }

    /// <summary>The FP32 model as given, run once per data set (ORT defaults): its outputs on the evaluation samples and its top-1.</summary>
    private sealed record Baseline(string[] OutputNames, IReadOnlyList<Tensor[]> Outputs, double? Accuracy);

    private Baseline MeasureBaseline(CandidateSpec spec, Source source, DataSet data, IProgress<string>? progress, string label, CancellationToken cancellation)
    {
        if (_baselines.TryGetValue(data.Key, out var known)) return known;
        Report(progress, label, "running the FP32 baseline");
        using var session = SessionFactory.Create(source.Model, new SessionSettings { IntraOpThreads = spec.Threads });
        var names = session.OutputNames.ToArray();
        var outputs = new List<Tensor[]>(data.Evaluation.Count);
        foreach (var index in data.Evaluation)
        {
            cancellation.ThrowIfCancellationRequested();
            outputs.Add(Run(session, data.Source.Read(index), names));
        }
        double? accuracy = data.Labels is { } labels ? Top1(outputs, data.Evaluation.Select(i => labels[i]).ToList(), names[0]) : null;
        return _baselines[data.Key] = new Baseline(names, outputs, accuracy);
    }

    /// <summary>A candidate's model and what building it told.</summary>
    private sealed record Built(string Key, Model Model, long SizeBytes, string Command, IReadOnlyList<LayerSensitivity> Sensitivity,
        IReadOnlyList<string> FloatNodes, IReadOnlyList<string> Notes)
    {
        public CandidatePruning? Pruning { get; init; }
    }

    private Built Build(CandidateSpec spec, Source input, DataSet data, IProgress<string>? progress, string label, CancellationToken cancellation)
    {
        var perChannel = CandidateCommand.UsesPerChannel(spec.Precision) && spec.PerChannel;
        var buildKey = $"{data.Key}|{spec.Precision}|{perChannel}|{spec.MixedTargetAccuracy}|{spec.MixedMaxAccuracyDrop}|{PruneKey(spec)}";
        if (_built.TryGetValue(buildKey, out var known)) return known;
        // A pruned candidate starts from the pruned model: every precision below applies to it as to the input model.
        var pruned = SourceFor(spec, input, data, progress, label, cancellation);
        var source = pruned.Source;
        Report(progress, label, "building");
        var built = spec.Precision switch
        {
            CandidatePrecision.Fp32 => Keep(buildKey, source.Optimized, CandidateCommand.For(spec), [], [], []),
            CandidatePrecision.Fp16 => Quantize(buildKey, spec, source, null, new QuantizerOptions { Type = QuantizationType.Float16, KeepIoTypes = true }, cancellation),
            CandidatePrecision.Int8Dynamic => Quantize(buildKey, spec, source, null,
                new QuantizerOptions { Type = QuantizationType.Int8Dynamic, PerChannel = perChannel }, cancellation),
            CandidatePrecision.Int4WeightOnly => Quantize(buildKey, spec, source, null, new QuantizerOptions { Type = QuantizationType.Int4 }, cancellation),
            _ => BuildStatic(buildKey, spec, source, data, perChannel, progress, label, cancellation),
        };
        if (spec.PruneMacs is not null) built = built with { Notes = [.. pruned.Notes, .. built.Notes], Pruning = pruned.Report };
        return _built[buildKey] = built;
    }

    private static string PruneKey(CandidateSpec spec) =>
        spec.PruneMacs is { } macs ? macs.ToString("R", CultureInfo.InvariantCulture) : "";

    /// <summary>The model a candidate starts from: the input, or the input pruned to the spec's MAC target (with what pruning did).</summary>
    private sealed record Pruned(Source Source, CandidatePruning? Report, IReadOnlyList<string> Notes);

    /// <summary>
    /// The input model pruned to <see cref="CandidateSpec.PruneMacs"/> once per model, data and target (every precision
    /// of that target reuses it): structured, reconstructed by least squares on the calibration samples when there is
    /// data, not reconstructed on random inputs (noted).
    /// </summary>
    /// <summary>Kept channel counts of pruned candidates are multiples of this: CPU (MLAS) and GPU kernels work in blocks of 8 or 16, other counts are padded and save nothing.</summary>
    internal const int PruneRoundTo = 8;

    private Pruned SourceFor(CandidateSpec spec, Source source, DataSet data, IProgress<string>? progress, string label, CancellationToken cancellation)
    {
        if (spec.PruneMacs is not { } macs) return new Pruned(source, null, []);
        var key = $"{data.Key}|pruned|{PruneKey(spec)}";
        if (_pruned.TryGetValue(key, out var known)) return known;
        var reconstruct = !data.IsRandom;
        Report(progress, label, reconstruct ? "pruning and reconstructing" : "pruning");
        var options = new PruningOptions
        {
            TargetMacs = macs,
            Reconstruct = reconstruct,
            Samples = reconstruct ? data.CalibrationCount : null,
            RoundTo = PruneRoundTo,
            Importance = reconstruct ? ChannelImportance.Activation : ChannelImportance.L1,
        };
        var result = new Pruner(options).Prune(source.Model, reconstruct ? data.Source : null,
            progress is null ? null : new Relay<PruningProgress>(p => Report(progress, label, p.Total > 0 ? Invariant($"{p.Stage} {p.Done}/{p.Total}") : p.Stage)),
            cancellation);
        _owned.Add(result);
        var optimized = result.Model.Clone();
        _owned.Add(optimized);
        ModelOptimizer.Optimize(optimized, new OptimizationOptions { Level = PassLevel.Extended });
        var cosine = result.Fidelity.Outputs.Count == 0 ? 1 : result.Fidelity.Outputs.Min(o => o.Cosine);
        var report = new CandidatePruning(macs, result.MacRatio, result.ParametersBefore == 0 ? 1 : (double)result.ParametersAfter / result.ParametersBefore,
            result.Groups.Count(g => g.Kept < g.Channels), reconstruct ? result.Reconstruction?.Samples ?? 0 : 0, cosine);
        var notes = new List<string>
        {
            Invariant($"pruned to {result.MacRatio:0.###}× MACs (target {macs:0.###}×), {report.ParameterRatio:0.###}× parameters, {report.GroupsPruned} channel groups cut; ") +
            (reconstruct
                ? Invariant($"reconstructed on {report.ReconstructionSamples} calibration samples; pruned FP32 cosine {cosine:0.####} on the pruner's check")
                : Invariant($"not reconstructed (no data: reconstruction fits on calibration samples); pruned FP32 cosine {cosine:0.####} on generated inputs")),
        };
        return _pruned[key] = new Pruned(new Source(result.Model, optimized), report, notes);
    }

    private Built Keep(string key, Model model, string command, IReadOnlyList<LayerSensitivity> sensitivity, IReadOnlyList<string> floatNodes, IReadOnlyList<string> notes) =>
        new(key, model, model.CalculateSerializedSize(), command, sensitivity, floatNodes, notes);

    private Built Quantize(string key, CandidateSpec spec, Source source, ISampleSource? calibration, QuantizerOptions options, CancellationToken cancellation)
    {
        var result = new Quantizer(options).Quantize(source.Model, calibration, cancellation: cancellation);
        _owned.Add(result);
        return Keep(key, result.Model, CandidateCommand.For(spec), [], FloatNodes(result.ExcludedNodes), []);
    }

    private Built BuildStatic(string key, CandidateSpec spec, Source source, DataSet data, bool perChannel, IProgress<string>? progress, string label,
        CancellationToken cancellation)
    {
        if (data.IsRandom)
            throw new UsageException($"{CandidateCommand.Tag(spec.Precision)} needs calibration data: give data to calibrate on (edgeopt deploy --data DATA)");
        var calibrationKey = $"{data.Key}|{PruneKey(spec)}|calibration";
        var reused = _calibrations.GetValueOrDefault(calibrationKey);
        Report(progress, label, reused is null ? "calibrating" : "quantizing (calibration reused)");
        var result = new Quantizer(new QuantizerOptions
        {
            Type = QuantizationType.Int8,
            Method = CalibrationMethod.Auto,
            PerChannel = perChannel,
            Samples = data.CalibrationCount,
            ReusedCalibration = reused,
        }).Quantize(source.Model, data.Source, cancellation: cancellation);
        _owned.Add(result);
        var notes = new List<string>();
        if (result.Calibration is { } calibrated)
        {
            if (ReferenceEquals(calibrated, reused)) notes.Add("activation ranges reused from this model's calibration on the same data");
            else
            {
                CalibrationPasses++;
                _calibrations[calibrationKey] = calibrated;
            }
        }
        if (spec.Precision == CandidatePrecision.Int8Static)
            return Keep(key, result.Model, CandidateCommand.For(spec), [], FloatNodes(result.ExcludedNodes), notes);

        // Mixed: the accuracy search over the whole data, as `edgeopt quantize --eval DATA` runs it, so the command reproduces it.
        double? minAccuracy = null;
        AccuracyTarget target;
        if (spec.MixedMaxAccuracyDrop is { } drop) target = new AccuracyTarget { MaxAccuracyDrop = drop };
        else
        {
            var floatAccuracy = data.Labels is null ? 100 : FullDataAccuracy(source, data, spec.Threads, cancellation) * 100;
            minAccuracy = Math.Round(spec.MixedTargetAccuracy!.Value * floatAccuracy, 4);
            target = new AccuracyTarget { MinAccuracy = minAccuracy };
        }
        Report(progress, label, $"accuracy search ({target})");
        var search = AccuracySearch.Run(result, data.Source, target, new AccuracySearchOptions
        {
            Labels = data.Labels,
            Settings = new SessionSettings { IntraOpThreads = spec.Threads },
        }, progress is null ? null : new Progress<string>(line => Report(progress, label, line)), cancellation);
        _owned.Add(search);
        if (!search.TargetMet)
            notes.Add(Invariant($"accuracy search: target not met; the best model reaches {search.Accuracy:F2}% {search.Metric}, {search.RequiredAccuracy:F2}% required{(search.BudgetExhausted ? " (time budget exhausted)" : "")}"));
        var sensitivity = search.Sensitivity.Select(s => new LayerSensitivity(s.Node, s.OpType, s.Accuracy / 100, s.Drop)).ToList();
        var floatNodes = FloatNodes(search.Plan.ExcludedNodes).Concat(search.FallbackNodes).Distinct(StringComparer.Ordinal).ToList();
        return Keep(key, search.Model, CandidateCommand.For(spec, minAccuracy), sensitivity, floatNodes, notes);
    }

    private double FullDataAccuracy(Source source, DataSet data, int threads, CancellationToken cancellation)
    {
        if (_fullDataAccuracy.TryGetValue(data.Key, out var known)) return known;
        var evaluation = ModelEvaluator.Evaluate(source.Model, data.Source, new EvaluationOptions
        {
            Labels = data.Labels,
            Settings = new SessionSettings { IntraOpThreads = threads },
        }, cancellation: cancellation);
        return _fullDataAccuracy[data.Key] = evaluation.Top1!.Value;
    }

    private static List<string> FloatNodes(IEnumerable<ExcludedNode> excluded) => excluded.Select(e => e.Node).Distinct(StringComparer.Ordinal).ToList();

    // ---- measurement on this host ----

    private sealed record Quality(double? Accuracy, double? Cosine, double? Top1Agreement);

    /// <summary>
    /// Accuracy and fidelity of a built model, shared by its thread, batch and backend variants: ORT's kernels reduce
    /// each output element on one thread, so the thread count does not change the outputs.
    /// </summary>
    private Quality MeasureQuality(CandidateSpec spec, Built built, DataSet data, Baseline baseline, CancellationToken cancellation)
    {
        var key = $"{built.Key}|{spec.OptimizationLevel}";
        if (_quality.TryGetValue(key, out var known)) return known;
        using var session = SessionFactory.Create(built.Model, new SessionSettings { IntraOpThreads = spec.Threads, Optimization = spec.OptimizationLevel });
        var names = baseline.OutputNames;
        var missing = names.Where(n => !session.OutputNames.Contains(n)).ToList();
        if (missing.Count > 0) ThrowHelper.Usage($"the candidate has no output {string.Join(", ", missing.Select(n => $"'{n}'"))} that the input model has");
        var cosines = new double[names.Length];
        var compared = new int[names.Length];
        var outputs = new List<Tensor[]>(data.Evaluation.Count);
        for (var s = 0; s < data.Evaluation.Count; s++)
        {
            cancellation.ThrowIfCancellationRequested();
            var actual = Run(session, data.Source.Read(data.Evaluation[s]), names);
            outputs.Add(actual);
            for (var o = 0; o < names.Length; o++)
            {
                if (Cosine(baseline.Outputs[s][o], actual[o]) is not { } cosine) continue;
                cosines[o] += cosine;
                compared[o]++;
            }
        }
        double? meanCosine = compared.Any(c => c > 0) ? Enumerable.Range(0, names.Length).Where(o => compared[o] > 0).Min(o => cosines[o] / compared[o]) : null;
        double? agreement = IsClassScores(baseline.Outputs[0][0])
            ? outputs.Select((o, s) => ArgMax(o[0]) == ArgMax(baseline.Outputs[s][0]) ? 1.0 : 0.0).Average()
            : null;
        double? accuracy = data.Labels is { } labels ? Top1(outputs, data.Evaluation.Select(i => labels[i]).ToList(), names[0]) : null;
        return _quality[key] = new Quality(accuracy, meanCosine, agreement);
    }

    private sealed record Latency(double P50, double P90, double BaselineP50, long PeakMemoryBytes);

    /// <summary>
    /// Host latency per batch, interleaved with the FP32 model as given (A B, B A, …) under the same settings so both see
    /// the same machine state; peak memory is the resident growth while the candidate's session is created and warmed up.
    /// </summary>
    private static Latency MeasureLatency(CandidateSpec spec, Model candidate, Model baseline, DataSet data, CancellationToken cancellation)
    {
        var settings = new SessionSettings { IntraOpThreads = spec.Threads, Optimization = spec.OptimizationLevel };
        var feed = BatchFeed(candidate, data, spec.BatchSize);
        var values = new List<OrtValue>();
        try
        {
            foreach (var name in feed.Keys) values.Add(OrtTensors.ToOrtValue(feed[name]));
            var names = feed.Keys.ToArray();

            GC.Collect();
            GC.WaitForPendingFinalizers();
            ResidentMemory.Trim();
            var before = ResidentMemory.Current();
            InferenceSession candidateSession;
            long peak;
            using (var sampler = ResidentMemory.StartSampling(MemorySampleInterval))
            {
                candidateSession = SessionFactory.Create(candidate, settings);
                for (var i = 0; i < WarmupRuns; i++) RunTimed(candidateSession, names, values);
                sampler.Dispose();
                peak = Math.Max(0, sampler.Peak - before);
            }
            using (candidateSession)
            using (var baselineSession = SessionFactory.Create(baseline, settings))
            {
                for (var i = 0; i < WarmupRuns; i++) RunTimed(baselineSession, names, values);
                var candidateMs = new List<double>(spec.LatencyRuns);
                var baselineMs = new List<double>(spec.LatencyRuns);
                for (var round = 0; round < spec.LatencyRuns; round++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (round % 2 == 0)
                    {
                        candidateMs.Add(RunTimed(candidateSession, names, values));
                        baselineMs.Add(RunTimed(baselineSession, names, values));
                    }
                    else
                    {
                        baselineMs.Add(RunTimed(baselineSession, names, values));
                        candidateMs.Add(RunTimed(candidateSession, names, values));
                    }
                }
                var candidateStats = LatencyStatistics.From(candidateMs);
                return new Latency(candidateStats.P50, candidateStats.P90, LatencyStatistics.From(baselineMs).P50, peak);
            }
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    /// <summary>One batch of the evaluation samples (cycled when there are fewer), stacked along the leading dim.</summary>
    private static Dictionary<string, Tensor> BatchFeed(Model model, DataSet data, int batch)
    {
        var samples = Enumerable.Range(0, batch).Select(i => data.Source.Read(data.Evaluation[i % data.Evaluation.Count])).ToList();
        var feed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var input in model.Graph.Inputs.Where(v => !v.IsInitializer && samples[0].ContainsKey(v.Name)))
            feed[input.Name] = batch == 1 ? samples[0][input.Name] : BenchmarkInputs.Stack(input, samples.Select(s => s[input.Name]).ToList(), data.Source.Description, batch);
        return feed;
    }

    private static double RunTimed(InferenceSession session, string[] names, List<OrtValue> values)
    {
        using var options = new RunOptions();
        var start = Stopwatch.GetTimestamp();
        using var results = session.Run(options, names, values, session.OutputNames);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    // ---- estimate on the target ----

    /// <summary>
    /// The target estimate: the graph-optimized FP32 model, its input shapes fixed by the data, costed at the candidate's compute precision on the backend's
    /// unit; memory is the peak live activations at that precision plus the candidate's own stored weights (so INT4
    /// and mixed models count what they really keep). A device without that unit or backend fails the candidate,
    /// keeping what was measured.
    /// </summary>
    private CandidateResult Estimate(CandidateResult result, CandidateSpec spec, ResolvedDevice resolved, Source source, Built built, DataSet data)
    {
        var device = resolved.Device;
        if (spec.Backend != AccelerationBackend.Cpu && !device.Backends.Contains(spec.Backend))
            return result with
            {
                Status = CandidateStatus.Failed,
                Reason = $"device {device.Id} has no {spec.Backend} backend (it has {string.Join(", ", device.Backends)})",
            };
        var precision = CandidateSpace.ComputePrecision(spec.Precision);
        var unit = BackendUnits.UnitOf(spec.Backend);
        var notes = new List<string>(result.Notes);
        if (precision != Precision.Fp32 && device.BestUnit(unit, precision) is null && device.BestUnit(unit, Precision.Fp32) is not null)
        {
            // ONNX Runtime runs such a model by upcasting (fp16) or dequantizing (int8) on a unit without those kernels.
            notes.Add($"target estimate: the {device.Id} {unit.ToString().ToUpperInvariant()} lists no {precision.ToString().ToLowerInvariant()} peak, so it is estimated at fp32 compute");
            precision = Precision.Fp32;
        }
        LatencyEstimate estimate;
        try
        {
            using var model = EstimationModel(source, data, PruneKey(spec)).Clone();
            estimate = LatencyEstimator.Estimate(model, device, new EstimateOptions
            {
                Precision = precision, Unit = unit, Batch = spec.BatchSize,
                // The candidate's threads on a CPU; the host's kernel calibration reshapes the catalogue CPU's per-class shares.
                Threads = unit == ComputeUnitKind.Cpu ? spec.Threads : null,
                Calibration = HostCalibrator.GetOrRun(),
            });
        }
        catch (UsageException e)
        {
            return result with { Status = CandidateStatus.Failed, Reason = $"target estimate: {OneLine(e)}", Notes = notes };
        }
        var weights = ParameterCounter.Collect(built.Model).Sum(w => w.Bytes);
        var memory = estimate.PeakActivationBytes + weights;
        return result with
        {
            EstimatedLatencyMs = estimate.TotalMs,
            EstimatedMemoryBytes = memory,
            EstimatedUnit = $"{estimate.Unit.ToString().ToUpperInvariant()} {estimate.UnitName}",
            FitsDeviceClass = memory < LatencyEstimator.ClassTarget(device.Class),
            InitialLoadBytes = device.Platform == EdgePlatform.Web ? built.SizeBytes : null,
            Notes = notes,
        };
    }

    /// <summary>
    /// The FP32 model with its inputs fixed to a real sample's shapes (batch 1, the data's sequence length or image size)
    /// and optimized again, so shape arithmetic folds and every node can be costed; the estimate scales it to the batch.
    /// </summary>
    private Model EstimationModel(Source source, DataSet data, string pruneKey)
    {
        var key = $"{data.Key}|{pruneKey}";
        if (_estimationModels.TryGetValue(key, out var known)) return known;
        var sample = data.Source.Read(data.Evaluation[0]);
        var shapes = source.Model.Graph.Inputs.Where(v => !v.IsInitializer && sample.ContainsKey(v.Name))
            .ToDictionary(v => v.Name, v => sample[v.Name].Dims.ToArray(), StringComparer.Ordinal);
        var model = source.Model.Clone();
        _owned.Add(model);
        ModelOptimizer.Optimize(model, new OptimizationOptions { Level = PassLevel.Extended, FixedShapes = shapes });
        return _estimationModels[key] = model;
    }

    // ---- helpers ----

    private static Tensor[] Run(InferenceSession session, IReadOnlyDictionary<string, Tensor> sample, string[] outputs)
    {
        var names = session.InputNames.Where(sample.ContainsKey).ToArray();
        var values = new OrtValue[names.Length];
        try
        {
            for (var i = 0; i < names.Length; i++) values[i] = OrtTensors.ToOrtValue(sample[names[i]]);
            using var options = new RunOptions();
            using var results = session.Run(options, names, values, outputs);
            var tensors = new Tensor[outputs.Length];
            for (var i = 0; i < outputs.Length; i++) tensors[i] = OrtTensors.ToTensor(results[i], outputs[i]);
            return tensors;
        }
        finally
        {
            foreach (var value in values) value?.Dispose();
        }
    }

    /// <summary>Cosine of two float outputs over all their elements; null for non-float outputs or shapes that differ.</summary>
    private static double? Cosine(Tensor expected, Tensor actual)
    {
        if (!expected.DataType.IsFloatingPoint() || !actual.DataType.IsFloatingPoint() || !expected.Dims.SequenceEqual(actual.Dims)) return null;
        var e = expected.ToSingleArray();
        var a = actual.ToSingleArray();
        double dot = 0, ne = 0, na = 0;
        for (var i = 0; i < e.Length; i++)
        {
            dot += (double)e[i] * a[i];
            ne += (double)e[i] * e[i];
            na += (double)a[i] * a[i];
        }
        if (ne == 0 && na == 0) return 1;
        var cosine = dot / Math.Sqrt(ne * na);
        return double.IsFinite(cosine) ? cosine : 0;
    }

    // Class scores: [C] or [1, C, 1, ...] with C > 1, float.
    private static bool IsClassScores(Tensor tensor)
    {
        var dims = tensor.Dims;
        if (!tensor.DataType.IsFloatingPoint() || dims.Count == 0) return false;
        return dims.Count == 1 ? dims[0] > 1 : dims[0] == 1 && dims[1] > 1 && dims.Skip(2).All(d => d == 1);
    }

    private static int ArgMax(Tensor tensor)
    {
        var scores = tensor.ToSingleArray();
        var best = 0;
        for (var c = 1; c < scores.Length; c++) if (scores[c] > scores[best]) best = c;
        return best;
    }

    private static double Top1(IReadOnlyList<Tensor[]> outputs, IReadOnlyList<int> labels, string output)
    {
        if (!IsClassScores(outputs[0][0]))
            ThrowHelper.Usage($"output '{output}' is [{string.Join(",", outputs[0][0].Dims)}]; top-1 accuracy needs class scores [1, classes] (labels were given)");
        var correct = 0;
        for (var s = 0; s < outputs.Count; s++)
        {
            var classes = outputs[s][0].ElementCount;
            if (labels[s] < 0 || labels[s] >= classes)
                throw new DataFormatException(Invariant($"label {labels[s]} of evaluation sample {s} is not one of the {classes} classes of output '{output}'"));
            if (ArgMax(outputs[s][0]) == labels[s]) correct++;
        }
        return (double)correct / outputs.Count;
    }

    private static void Report(IProgress<string>? progress, string label, string step) => progress?.Report($"{label}: {step}");

    private static string OneLine(Exception e)
    {
        var message = e is InvalidOptionsException options ? options.Message : e.Message;
        var line = message.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? e.GetType().Name;
        if (e is not (EdgeOptException or FileNotFoundException or IOException)) line = $"{e.GetType().Name}: {line}";
        // A reason is a table cell: a quantizer listing every skipped node is cut, its first items say enough.
        return line.Length <= MaxReasonLength ? line : line[..(MaxReasonLength - 1)].TrimEnd() + "…";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reports on the calling thread (System.Progress would post to the thread pool, out of order).</summary>
    private sealed class Relay<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
