namespace EdgeOpt.Runtime;

/// <summary>
/// What <see cref="ModelBenchmark.Run"/> measured: one <see cref="BenchmarkResult"/> per model and thread count
/// (thread counts in the order asked, models in the order given), with the settings and the host they ran on.
/// </summary>
/// <param name="MeasuredOn">The machine every figure was measured on.</param>
/// <param name="Models">The model files, in order; ratios are against the first.</param>
/// <param name="ExecutionProvider">The execution provider's short name.</param>
/// <param name="Optimization">ONNX Runtime's graph optimization level.</param>
/// <param name="Warmup">Untimed inferences per model before measuring.</param>
/// <param name="Runs">Measured inferences per model when fixed; null when bounded by <paramref name="DurationSeconds"/>.</param>
/// <param name="DurationSeconds">The measuring time per thread count when bounded by time.</param>
/// <param name="Batch">Items per inference.</param>
/// <param name="Inputs">Where the inputs came from, e.g. <c>generated (standard normal, seed 0)</c> or the data's description.</param>
/// <param name="Results">Per thread count, then per model.</param>
public sealed record BenchmarkReport(
    HostDescription MeasuredOn,
    IReadOnlyList<string> Models,
    string ExecutionProvider,
    GraphOptimization Optimization,
    int Warmup,
    int? Runs,
    double? DurationSeconds,
    int Batch,
    string Inputs,
    IReadOnlyList<BenchmarkResult> Results);
