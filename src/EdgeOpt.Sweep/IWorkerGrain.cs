using Orleans;

namespace EdgeOpt.Sweep;

/// <summary>
/// A cluster worker, one per <c>edgeopt worker</c> silo: its key is the silo's address
/// (<c>SiloAddress.ToParsableString()</c>) and the coordinator places it there with Orleans' placement hint, so the
/// coordinator decides which worker takes which candidate and how many at once (the worker's slots).
/// </summary>
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Who the worker is: its silo, host, EdgeOpt version and slots.</summary>
    Task<WorkerInfo> Describe();

    /// <summary>
    /// Evaluates one candidate (<see cref="Deployment.CandidateSpec"/> JSON in, <see cref="Deployment.CandidateResult"/>
    /// JSON out) in one of the worker's slots, and stores the result in the cluster's results table under
    /// <paramref name="sweepId"/> (first write wins) before returning it, so a result outlives a lost reply. Refused, with
    /// an exception saying both versions, when <paramref name="toolVersion"/> (the coordinator's EdgeOpt) is not the
    /// worker's: it would evaluate differently. With <paramref name="modelUrl"/>, the model is fetched from there (once per
    /// content hash, verified) instead of read at the spec's path; a model that cannot be fetched fails that candidate
    /// (the reason names the URL and the hash), not the call.
    /// </summary>
    Task<string> Evaluate(string specJson, string toolVersion, string sweepId, string? modelUrl, CancellationToken cancellation = default);
}
