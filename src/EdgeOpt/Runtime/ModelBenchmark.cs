using System.Diagnostics;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime.Benchmarking;

namespace EdgeOpt.Runtime;

/// <summary>
/// Measures how ONNX models run on this machine with ONNX Runtime: cold start (session creation, first inference),
/// steady-state latency and throughput, and memory, per model and intra-op thread count. Several models are measured
/// interleaved (A B, B A, A B ...), each with its own session created up front, so slow drift of a noisy machine (thermal,
/// other load) hits all of them alike and their ratios hold.
/// </summary>
public static class ModelBenchmark
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(1);

    /// <summary>Benchmarks <paramref name="modelPaths"/>; results are compared against the first.</summary>
    /// <exception cref="UsageException">Bad options, an execution provider this build lacks, or inputs that cannot be formed.</exception>
    /// <exception cref="ModelFormatException">A model that cannot be read or that ONNX Runtime refuses (names the file).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was triggered.</exception>
    public static BenchmarkReport Run(IReadOnlyList<string> modelPaths, BenchmarkOptions? options = null, IProgress<BenchmarkProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(modelPaths);
        options ??= new BenchmarkOptions();
        var provider = Validate(modelPaths, options);
        options = options with { ExecutionProvider = provider };

        var results = new List<BenchmarkResult>();
        string? inputs = null;
        foreach (var threads in options.Threads)
        {
            var stage = $"{threads} thread{(threads == 1 ? "" : "s")}";
            var models = new List<BenchmarkedModel>(modelPaths.Count);
            try
            {
                foreach (var path in modelPaths)
                {
                    cancellation.ThrowIfCancellationRequested();
                    progress?.Report(new BenchmarkProgress($"{stage}: loading {Path.GetFileName(path)}", 0, 0));
                    models.Add(Prepare(path, threads, options, cancellation));
                }
                inputs ??= models[0].InputsDescription;
                Measure(models, options, stage, progress, cancellation);
                results.AddRange(Summarize(models, threads, options.Batch));
            }
            finally
            {
                foreach (var model in models) model.Dispose();
            }
        }
        return new BenchmarkReport(HostDescription.Current, modelPaths.ToArray(), options.ExecutionProvider, options.Optimization, options.Warmup,
            options.Duration is null ? options.Runs ?? BenchmarkOptions.DefaultRuns : null, options.Duration?.TotalSeconds, options.Batch, inputs!, results);
    }

    /// <summary>Checks the paths and options; returns the execution provider's short name, refused when this ONNX Runtime build lacks it.</summary>
    internal static string Validate(IReadOnlyList<string> modelPaths, BenchmarkOptions options)
    {
        if (modelPaths.Count == 0) throw new UsageException("no model to benchmark: give at least one .onnx file");
        ThrowHelper.IfInvalid(options.Validate());
        foreach (var path in modelPaths)
            if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);

        var provider = options.ExecutionProvider.Trim();
        if (provider.EndsWith("ExecutionProvider", StringComparison.OrdinalIgnoreCase)) provider = provider[..^"ExecutionProvider".Length];
        provider = provider.ToLowerInvariant();
        if (provider.Length == 0) provider = "cpu";
        var available = SessionFactory.AvailableProviders();
        if (!available.Contains(provider))
            throw new UsageException($"execution provider '{options.ExecutionProvider}' is not available in this ONNX Runtime build (available: {string.Join(", ", available)})");
        return provider;
    }

    private static BenchmarkedModel Prepare(string path, int threads, BenchmarkOptions options, CancellationToken cancellation)
    {
        long fileBytes;
        BenchmarkInputs inputs;
        using (var model = Model.Load(path))
        {
            fileBytes = FileLength.Of(path) + model.Graph.AllGraphs()
                .SelectMany(g => g.Initializers)
                .Select(v => v.Initializer?.External?.FullPath).OfType<string>()
                .Distinct(StringComparer.Ordinal)
                .Sum(f => File.Exists(f) ? FileLength.Of(f) : 0);
            inputs = BenchmarkInputs.Create(model, path, options);
        }

        try
        {
            // Collect first so garbage from loading is not counted against this model's memory.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            ResidentMemory.Trim();
            var baseline = ResidentMemory.Current();
            using var sampler = ResidentMemory.StartSampling(SampleInterval);
            var clock = Stopwatch.StartNew();
            var session = Open(path, threads, options);
            var creationMs = clock.Elapsed.TotalMilliseconds;
            var benchmarked = new BenchmarkedModel(path, fileBytes, inputs, session) { SessionCreationMs = creationMs };
            try
            {
                benchmarked.FirstInferenceMs = benchmarked.RunOnce();
                for (var i = 0; i < options.Warmup; i++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    benchmarked.RunOnce();
                }
                sampler.Dispose();
                var retained = ResidentMemory.Current();
                benchmarked.PeakWorkingSetBytes = Math.Max(0, Math.Max(sampler.Peak, retained) - baseline);
                benchmarked.RetainedWorkingSetBytes = Math.Max(0, retained - baseline);
                return benchmarked;
            }
            catch
            {
                benchmarked.Dispose();
                throw;
            }
        }
        catch
        {
            // Also after BenchmarkedModel disposed it: disposing inputs twice is harmless.
            inputs.Dispose();
            throw;
        }
    }

    /// <summary>A session for a benchmark run; a model ORT refuses says how to check or convert it.</summary>
    internal static Microsoft.ML.OnnxRuntime.InferenceSession Open(string path, int threads, BenchmarkOptions options)
    {
        try
        {
            return SessionFactory.Create(path, new SessionSettings
            {
                IntraOpThreads = threads,
                Optimization = options.Optimization,
                ExecutionProvider = options.ExecutionProvider,
            });
        }
        catch (ModelFormatException e)
        {
            throw new ModelFormatException($"{e.Message} (check it with 'edgeopt inspect {path}'; an operator or opset newer than ONNX Runtime {HostDescription.Current.OnnxRuntimeVersion} supports may need 'edgeopt optimize --target-opset N')", e);
        }
    }

    // Round-robin: every round runs each model once, so all models see the same machine state.
    private static void Measure(List<BenchmarkedModel> models, BenchmarkOptions options, string stage, IProgress<BenchmarkProgress>? progress,
        CancellationToken cancellation)
    {
        var runs = options.Duration is null ? options.Runs ?? BenchmarkOptions.DefaultRuns : int.MaxValue;
        var total = options.Duration is null ? runs : 0;
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        for (var round = 0; round < runs; round++)
        {
            cancellation.ThrowIfCancellationRequested();
            // Alternate the order (A B, B A, ...) so neither model always runs right after the other.
            for (var i = 0; i < models.Count; i++) models[round % 2 == 0 ? i : models.Count - 1 - i].Measure();
            if (progress is not null && clock.Elapsed - lastReport > TimeSpan.FromMilliseconds(100))
            {
                lastReport = clock.Elapsed;
                progress.Report(new BenchmarkProgress($"{stage}: measuring", round + 1, total));
            }
            if (options.Duration is { } duration && clock.Elapsed >= duration) break;
        }
        progress?.Report(new BenchmarkProgress($"{stage}: measured", models[0].SamplesMs.Count, total));
    }

    private static IEnumerable<BenchmarkResult> Summarize(List<BenchmarkedModel> models, int threads, int batch)
    {
        var summaries = models.Select(m =>
        {
            var latency = LatencyStatistics.From(m.SamplesMs);
            var throughput = m.SamplesMs.Count / (m.SamplesMs.Sum() / 1000);
            return (Model: m, Latency: latency, Throughput: throughput);
        }).ToList();
        var reference = summaries[0];
        return summaries.Select(s => new BenchmarkResult(
            s.Model.Path, s.Model.FileBytes, threads, s.Model.SessionCreationMs, s.Model.FirstInferenceMs, s.Latency, s.Model.SamplesMs.ToArray(),
            s.Throughput, s.Throughput * batch, s.Model.PeakWorkingSetBytes, s.Model.RetainedWorkingSetBytes,
            s.Model.ManagedBytes / s.Model.SamplesMs.Count,
            s.Latency.P50 / reference.Latency.P50, s.Throughput / reference.Throughput));
    }
}
