using Orleans;

namespace EdgeOpt.Sweep;

/// <summary>
/// Evaluates one candidate: <see cref="Deployment.CandidateSpec"/> JSON in, <see cref="Deployment.CandidateResult"/>
/// JSON out. Strings rather than the records so the wire format is the one the deploy search stores and any worker,
/// in this process or another silo, reads without Orleans serializers for the library's types.
/// </summary>
public interface ICandidateGrain : IGrainWithIntegerKey
{
    /// <summary>The result JSON of the spec JSON (a candidate that cannot be built comes back Failed, not as an exception).</summary>
    Task<string> Evaluate(string specJson, CancellationToken cancellation = default);
}
