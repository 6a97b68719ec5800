namespace EdgeOpt.Runtime;

/// <summary>
/// One model measured at one thread count. Times are milliseconds measured with <see cref="System.Diagnostics.Stopwatch"/>
/// around <c>InferenceSession.Run</c> (feeding prepared inputs; outputs are released outside the timed span).
/// </summary>
/// <param name="Model">The model file as given.</param>
/// <param name="FileBytes">Size of the model file plus the external data files it references.</param>
/// <param name="Threads">Intra-op threads of the session.</param>
/// <param name="SessionCreationMs">Creating the ONNX Runtime session (load, graph optimization, kernel setup).</param>
/// <param name="FirstInferenceMs">The first inference on the new session (cold start: arena growth, first-touch pages).</param>
/// <param name="Latency">Summary of the steady-state samples.</param>
/// <param name="LatencySamplesMs">Every measured steady-state latency in run order.</param>
/// <param name="InferencesPerSecond">Samples divided by their summed latency (single stream, so 1000 / mean).</param>
/// <param name="ItemsPerSecond"><see cref="InferencesPerSecond"/> × batch.</param>
/// <param name="PeakWorkingSetBytes">
/// Highest resident set size (sampled every millisecond) above the level before this model's session was created,
/// during its session creation, first inference and warmup: weights, ONNX Runtime's arena and other native buffers.
/// </param>
/// <param name="RetainedWorkingSetBytes">Resident set size after warmup minus the level before session creation.</param>
/// <param name="ManagedBytesPerInference">Managed (.NET) bytes allocated per measured inference (the C# binding's overhead).</param>
/// <param name="P50Ratio">This model's p50 divided by the first model's at the same thread count (below 1 is faster).</param>
/// <param name="ThroughputRatio">This model's throughput divided by the first model's (above 1 is faster).</param>
public sealed record BenchmarkResult(
    string Model,
    long FileBytes,
    int Threads,
    double SessionCreationMs,
    double FirstInferenceMs,
    LatencyStatistics Latency,
    IReadOnlyList<double> LatencySamplesMs,
    double InferencesPerSecond,
    double ItemsPerSecond,
    long PeakWorkingSetBytes,
    long RetainedWorkingSetBytes,
    long ManagedBytesPerInference,
    double P50Ratio,
    double ThroughputRatio);
