using EdgeOpt.Deployment;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Concurrency;

namespace EdgeOpt.Sweep;

/// <summary>
/// <see cref="IWorkerGrain"/> on an <c>edgeopt worker</c> silo. Reentrant: calls overlap, and the silo's
/// <see cref="WorkerSlots"/> bound how many evaluate at once. An activation that Orleans placed on any silo other than
/// the one its key names (the named silo is gone) refuses every call, so the coordinator never mistakes it for that worker.
/// </summary>
[Reentrant]
public sealed class WorkerGrain : Grain, IWorkerGrain
{
    /// <inheritdoc />
    public Task<WorkerInfo> Describe()
    {
        var slots = Slots();
        return Task.FromResult(new WorkerInfo(this.GetPrimaryKeyString(), Environment.MachineName, slots.ToolVersion, slots.Count));
    }

    /// <inheritdoc />
    public Task<string> Evaluate(string specJson, string toolVersion, string sweepId, string? modelUrl, CancellationToken cancellation = default)
    {
        var slots = Slots();
        if (!string.Equals(toolVersion, slots.ToolVersion, StringComparison.Ordinal))
            throw new InvalidOperationException(
                $"worker {this.GetPrimaryKeyString()} on {Environment.MachineName} runs EdgeOpt {slots.ToolVersion}, the coordinator {toolVersion}: " +
                "it refuses work it would evaluate differently; run the same EdgeOpt build on every machine");
        if (slots.FailEveryCall)
            throw new InvalidOperationException($"worker {this.GetPrimaryKeyString()} fails every candidate ({SweepWorker.TestFailHook}=1)");
        var worker = $"{Environment.MachineName} {this.GetPrimaryKeyString()}";
        return slots.RunAsync(() =>
        {
            var started = DateTimeOffset.UtcNow;
            var spec = CandidateSpec.Parse(specJson, "candidate spec from the coordinator");
            var result = slots.SleepInsteadMs is { } sleep ? Sleep(spec, sleep, cancellation) : Evaluate(spec, modelUrl, cancellation);
            slots.Results.Put(result, sweepId, worker, started, DateTimeOffset.UtcNow);
            return result.ToJson();
        }, cancellation);
    }

    // SweepWorker.TestSleepHook: a fixed time in the slot and a result marked as not measured, for the scaling script.
    private static CandidateResult Sleep(CandidateSpec spec, int milliseconds, CancellationToken cancellation)
    {
        cancellation.WaitHandle.WaitOne(milliseconds);
        cancellation.ThrowIfCancellationRequested();
        return new CandidateResult
        {
            Spec = spec, Key = spec.ComputeKey(), Label = CandidateCommand.Label(spec), Status = CandidateStatus.Failed,
            Command = CandidateCommand.For(spec), Reason = $"not evaluated: {SweepWorker.TestSleepHook}={milliseconds} (slept instead)",
            Host = EdgeOpt.Runtime.HostDescription.Current.ToString(), EvaluationSeconds = milliseconds / 1000.0,
        };
    }

    // The spec evaluated on the fetched copy when a URL is given; the result keeps the sweep's path (the key has no path).
    private static CandidateResult Evaluate(CandidateSpec spec, string? modelUrl, CancellationToken cancellation)
    {
        if (modelUrl is null) return CandidateEvaluation.Evaluate(spec, null, cancellation);
        string local;
        try
        {
            local = ModelFetcher.FetchAsync(new Uri(modelUrl), spec.ModelSha256, cancellation).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException e)
        {
            return new CandidateResult
            {
                Spec = spec, Key = spec.ComputeKey(), Label = CandidateCommand.Label(spec), Status = CandidateStatus.Failed,
                Command = CandidateCommand.For(spec), Reason = e.Message, Host = EdgeOpt.Runtime.HostDescription.Current.ToString(),
            };
        }
        var result = CandidateEvaluation.Evaluate(spec with { ModelPath = local }, null, cancellation);
        return result with { Spec = result.Spec with { ModelPath = spec.ModelPath } };
    }

    private WorkerSlots Slots()
    {
        var here = ServiceProvider.GetRequiredService<Orleans.Runtime.ILocalSiloDetails>().SiloAddress.ToParsableString();
        if (this.GetPrimaryKeyString() != here)
        {
            // Placed here because the named silo was not (yet) in this gateway's view: go, so the next call places it again.
            DeactivateOnIdle();
            throw new InvalidOperationException($"worker {this.GetPrimaryKeyString()} is not in the cluster any more (this activation landed on {here})");
        }
        // A plain `edgeopt sweep` silo hosts this grain class too but is no worker: it has no slots.
        return ServiceProvider.GetService<WorkerSlots>()
            ?? throw new InvalidOperationException($"silo {here} is not an edgeopt worker");
    }
}
