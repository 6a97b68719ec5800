using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Runtime.Benchmarking;

/// <summary>One model's session and inputs during one thread count, with the samples measured so far.</summary>
internal sealed class BenchmarkedModel(string path, long fileBytes, BenchmarkInputs inputs, InferenceSession session) : IDisposable
{
    private readonly string[] _outputs = session.OutputNames.ToArray();
    private readonly RunOptions _runOptions = new();
    private int _runs;

    public string Path { get; } = path;

    public long FileBytes { get; } = fileBytes;

    public List<double> SamplesMs { get; } = [];

    public string InputsDescription => inputs.Description;

    public double SessionCreationMs { get; init; }

    public double FirstInferenceMs { get; set; }

    public long PeakWorkingSetBytes { get; set; }

    public long RetainedWorkingSetBytes { get; set; }

    public long ManagedBytes { get; private set; }

    /// <summary>Runs one inference on the next prepared feed; returns its latency in milliseconds.</summary>
    public double RunOnce()
    {
        var feed = inputs.Feed(_runs++);
        var start = Stopwatch.GetTimestamp();
        var outputs = session.Run(_runOptions, inputs.Names, feed, _outputs);
        var elapsed = Stopwatch.GetElapsedTime(start);
        outputs.Dispose();
        return elapsed.TotalMilliseconds;
    }

    /// <summary>A measured run: its latency is kept, and the managed bytes it allocated counted.</summary>
    public void Measure()
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        SamplesMs.Add(RunOnce());
        ManagedBytes += GC.GetAllocatedBytesForCurrentThread() - allocated;
    }

    public void Dispose()
    {
        session.Dispose();
        _runOptions.Dispose();
        inputs.Dispose();
    }
}
