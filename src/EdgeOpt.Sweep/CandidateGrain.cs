using EdgeOpt.Deployment;
using Orleans;
using Orleans.Concurrency;

namespace EdgeOpt.Sweep;

/// <summary>
/// The sweep's worker: stateless, so Orleans runs as many activations per silo as calls arrive (up to its local
/// worker limit) and any silo of a cluster can take any candidate. Evaluation is the deploy search's pure function.
/// </summary>
[StatelessWorker]
public sealed class CandidateGrain : Grain, ICandidateGrain
{
    /// <inheritdoc />
    public Task<string> Evaluate(string specJson, CancellationToken cancellation = default) =>
        // Off the grain's scheduler: evaluation is seconds to minutes of CPU-bound work (ONNX Runtime sessions).
        Task.Run(() => CandidateEvaluation.EvaluateJson(specJson, cancellation), cancellation);
}
