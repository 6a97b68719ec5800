using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Threading.Channels;
using EdgeOpt.Deployment;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace EdgeOpt.Sweep;

/// <summary>
/// <c>edgeopt sweep --cluster</c>'s side of the cluster: an Orleans client (ADO.NET clustering on the same PostgreSQL
/// database) that hands the sweep's missing candidates to the <c>edgeopt worker</c> silos.
/// <para>
/// Every few seconds it reads the active silos from Orleans' membership table. A new one is asked who it is
/// (<see cref="IWorkerGrain.Describe"/>, the grain placed on that silo by Orleans' placement hint); one running another
/// EdgeOpt version is refused (said once), any other gets as many concurrent calls as it has slots, each pulling the next
/// candidate from one queue. A silo that leaves the membership has its calls cancelled; those candidates, and any whose
/// call failed, go back to the queue, and a candidate that fails <see cref="MaxAttempts"/> times is stored as failed with
/// its error. Workers store each result themselves before replying, and the coordinator also polls the results table for
/// the candidates in flight, so a reply lost with a gateway still completes the candidate.
/// </para>
/// </summary>
internal sealed class ClusterCoordinator
{
    /// <summary>Attempts before a candidate is stored as failed (a crash of its worker counts as one).</summary>
    public const int MaxAttempts = 2;

    /// <summary>How long the sweep waits without any usable worker before giving up.</summary>
    public static readonly TimeSpan WorkerWait = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(30);

    private readonly ClusterResultsStore _cluster;
    private readonly ResultsStore _local;
    private readonly string _sweepId;
    private readonly Uri? _modelsUrl;
    private readonly IProgress<SweepProgress>? _progress;
    private readonly Channel<Job> _queue = Channel.CreateUnbounded<Job>();
    private readonly Dictionary<string, Worker> _workers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private readonly HashSet<string> _announced = new(StringComparer.Ordinal);
    private readonly HashSet<string> _describing = new(StringComparer.Ordinal);
    private readonly List<Job> _jobs;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _done;
    private int _failed;

    private ClusterCoordinator(List<CandidateSpec> pending, ClusterResultsStore cluster, ResultsStore local, string sweepId, Uri? modelsUrl,
        IProgress<SweepProgress>? progress)
    {
        _modelsUrl = modelsUrl;
        _jobs = [.. pending.Select(s => new Job(s))];
        _cluster = cluster;
        _local = local;
        _sweepId = sweepId;
        _progress = progress;
    }

    /// <summary>Evaluates <paramref name="pending"/> on the cluster's workers; each result lands in both stores.</summary>
    /// <exception cref="UsageException">No usable worker joined within <see cref="WorkerWait"/>, or the database failed.</exception>
    public static async Task EvaluateAsync(List<CandidateSpec> pending, string connection, ClusterResultsStore cluster, ResultsStore local, string sweepId,
        Uri? modelsUrl, IProgress<SweepProgress>? progress, CancellationToken cancellation)
    {
        var coordinator = new ClusterCoordinator(pending, cluster, local, sweepId, modelsUrl, progress);
        await coordinator.WaitForMembersAsync(cancellation).ConfigureAwait(false);
        using var host = new HostBuilder()
            .UseOrleansClient(client => client
                .UseAdoNetClustering(o =>
                {
                    o.Invariant = ClusterDatabase.Invariant;
                    o.ConnectionString = connection;
                })
                .Configure<ClusterOptions>(ClusterDatabase.Identify)
                .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = SweepSilo.ResponseTimeout)
                .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5)))
            .Build();
        try
        {
            await host.StartAsync(cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The workers the membership table lists cannot be reached on their gateway ports (a firewall, a wrong --address).
            throw new UsageException($"cannot connect to the workers of the cluster at {cluster.Location} (their gateway ports, --address): " +
                e.Message.Split('\n')[0].Trim(), e);
        }
        try
        {
            await coordinator.RunAsync(host.Services.GetRequiredService<IClusterClient>(), cancellation).ConfigureAwait(false);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    // The client needs a gateway to start: wait until the membership table lists an active silo.
    private async Task WaitForMembersAsync(CancellationToken cancellation)
    {
        var waited = Stopwatch.StartNew();
        var said = false;
        while (_cluster.ActiveSilos().Count == 0)
        {
            if (!said) Report($"waiting for workers to join the cluster at {_cluster.Location} (edgeopt worker --cluster ...)");
            said = true;
            if (waited.Elapsed > WorkerWait)
                throw new UsageException($"no edgeopt worker joined the cluster at {_cluster.Location} within {WorkerWait.TotalMinutes:0} min; start one per machine with edgeopt worker --cluster <connection string>");
            await Task.Delay(Poll, cancellation).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(IClusterClient client, CancellationToken cancellation)
    {
        foreach (var job in _jobs) _queue.Writer.TryWrite(job);
        var lanes = new List<Task>();
        var idle = Stopwatch.StartNew();
        // Cancelled when the sweep ends, however it ends: describes still waiting and idle slots stop at once.
        using var over = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        try
        {
            while (!_finished.Task.IsCompleted)
            {
                cancellation.ThrowIfCancellationRequested();
                var active = _cluster.ActiveSilos()
                    .Select(s => SiloAddress.New(new IPEndPoint(IPAddress.Parse(s.Address), s.Port), s.Generation))
                    .ToDictionary(s => s.ToParsableString(), StringComparer.Ordinal);
                List<Worker> gone;
                lock (_gate) gone = [.. _workers.Values.Where(w => !active.ContainsKey(w.Info.Silo))];
                foreach (var worker in gone)
                {
                    Report($"worker {worker.Info.Host} ({worker.Info.Silo}) left the cluster; its candidates go to the others");
                    await worker.Stop.CancelAsync().ConfigureAwait(false);
                }
                foreach (var (name, silo) in active)
                {
                    // Asked in the background: a silo listed as active but dead (killed with no other silo to declare it)
                    // takes the describe timeout to answer, and must not hold up the poll.
                    lock (_gate)
                    {
                        if (_workers.ContainsKey(name) || _refused.Contains(name) || !_describing.Add(name)) continue;
                    }
                    lanes.Add(Task.Run(async () =>
                    {
                        try
                        {
                            if (await DescribeAsync(client, name, silo, over.Token).ConfigureAwait(false) is not { } worker) return;
                            var started = new List<Task>();
                            lock (_gate)
                            {
                                if (over.IsCancellationRequested) return;
                                _workers[name] = worker;
                                for (var i = 0; i < worker.Info.Slots; i++) started.Add(Task.Run(() => LaneAsync(client, worker, over.Token), CancellationToken.None));
                            }
                            await Task.WhenAll(started).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (over.IsCancellationRequested)
                        {
                            // The sweep is over.
                        }
                        finally
                        {
                            lock (_gate) _describing.Remove(name);
                        }
                    }, CancellationToken.None));
                }
                CompleteStoredInFlight();
                bool any;
                lock (_gate) any = _workers.Count > 0;
                if (any) idle.Restart();
                else if (idle.Elapsed > WorkerWait)
                    throw new UsageException($"no usable edgeopt worker in the cluster at {_cluster.Location} for {WorkerWait.TotalMinutes:0} min" +
                        (_refused.Count > 0 ? $" ({_refused.Count} refused: another EdgeOpt version)" : "") + "; start one with edgeopt worker --cluster <connection string>");
                await Task.WhenAny(_finished.Task, Task.Delay(Poll, cancellation)).ConfigureAwait(false);
            }
        }
        finally
        {
            _queue.Writer.TryComplete();
            List<Worker> all;
            lock (_gate)
            {
                over.Cancel(); // under the lock: no worker is added after this
                all = [.. _workers.Values];
            }
            // What a slot or describe threw at shutdown is no news: the sweep ended for its own reason (finished, failed, interrupted).
            await Task.WhenAll(lanes).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).ConfigureAwait(false);
            foreach (var worker in all) worker.Stop.Dispose();
        }
        cancellation.ThrowIfCancellationRequested();
    }

    private async Task<Worker?> DescribeAsync(IClusterClient client, string name, SiloAddress silo, CancellationToken cancellation)
    {
        WorkerInfo info;
        try
        {
            RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
            info = await client.GetGrain<IWorkerGrain>(name).Describe().WaitAsync(DescribeTimeout, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            // Not a worker (yet): a silo still starting, or a plain sweep's silo. Asked again at the next poll.
            Trace.WriteLine($"sweep: silo {name} did not describe itself: {e.Message}");
            return null;
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
        if (!string.Equals(info.ToolVersion, CandidateSpec.CurrentToolVersion, StringComparison.Ordinal))
        {
            lock (_gate) _refused.Add(name);
            Report($"worker {info.Host} ({info.Silo}) runs EdgeOpt {info.ToolVersion}, this sweep {CandidateSpec.CurrentToolVersion}: it refuses work it would evaluate differently; not used");
            return null;
        }
        bool first;
        lock (_gate) first = _announced.Add(name);
        // Said once: a worker whose call failed is described again at the next poll, and that is no news.
        if (first) Report($"worker {info.Host} ({info.Silo}) joined with {info.Slots} slot{(info.Slots == 1 ? "" : "s")}");
        return new Worker(info, silo, CancellationTokenSource.CreateLinkedTokenSource(cancellation));
    }

    // One of a worker's slots: takes the next candidate, calls the worker, records the result; ends when the worker
    // leaves, a call fails (the worker is asked again at the next poll if it is still a member), or the queue is done.
    private async Task LaneAsync(IClusterClient client, Worker worker, CancellationToken cancellation)
    {
        var grain = client.GetGrain<IWorkerGrain>(worker.Info.Silo);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(worker.Stop.Token).ConfigureAwait(false))
            {
                if (!_queue.Reader.TryRead(out var job)) continue;
                using var call = CancellationTokenSource.CreateLinkedTokenSource(worker.Stop.Token);
                lock (_gate)
                {
                    if (job.Done) continue;
                    job.Call = call;
                }
                string json;
                try
                {
                    RequestContext.Set(IPlacementDirector.PlacementHintKey, worker.Address);
                    json = await grain.Evaluate(job.Spec.ToJson(), CandidateSpec.CurrentToolVersion, _sweepId, ModelUrl(job.Spec), call.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellation.IsCancellationRequested)
                {
                    // Completed meanwhile through the results table: this slot goes on. Otherwise it ends, and the worker
                    // is asked again at the next poll if it is still a member.
                    if (Retry(job, worker, e)) return;
                    continue;
                }
                finally
                {
                    RequestContext.Remove(IPlacementDirector.PlacementHintKey);
                    lock (_gate) job.Call = null;
                }
                var result = _cluster.TryGet(job.Key) ?? CandidateResult.Parse(json, $"result of {job.Label} from worker {worker.Info.Silo}");
                Complete(job, result, $"on {worker.Info.Host}");
            }
        }
        catch (OperationCanceledException)
        {
            // The worker left, or the sweep is over or interrupted.
        }
        finally
        {
            lock (_gate)
            {
                if (--worker.Lanes == 0 && _workers.TryGetValue(worker.Info.Silo, out var current) && ReferenceEquals(current, worker))
                    _workers.Remove(worker.Info.Silo);
            }
        }
    }

    // True when the call failed (the candidate is queued again or stored as failed); false when it was already done.
    private bool Retry(Job job, Worker worker, Exception e)
    {
        var reason = e is OperationCanceledException ? $"worker {worker.Info.Host} ({worker.Info.Silo}) left the cluster during the evaluation" : OneLine(e);
        int attempts;
        lock (_gate)
        {
            if (job.Done) return false; // its result arrived through the results table
            attempts = ++job.Attempts;
        }
        if (attempts < MaxAttempts)
        {
            Report($"{job.Label}: attempt {attempts} failed ({reason}); trying again");
            _queue.Writer.TryWrite(job);
            return true;
        }
        var failed = new CandidateResult
        {
            Spec = job.Spec, Key = job.Key, Label = job.Label, Status = CandidateStatus.Failed, Command = CandidateCommand.For(job.Spec),
            Reason = $"failed {attempts} times on the cluster's workers; last: {reason}",
        };
        var now = DateTimeOffset.UtcNow;
        _cluster.Put(failed, _sweepId, "coordinator", now, now);
        Complete(job, _cluster.TryGet(job.Key) ?? failed, "");
        return true;
    }

    // A result a worker stored while its reply is still on the way (or lost with a gateway) completes the candidate now.
    private void CompleteStoredInFlight()
    {
        List<Job> inFlight;
        lock (_gate) inFlight = [.. _jobs.Where(j => !j.Done && j.Call is not null)];
        if (inFlight.Count == 0) return;
        foreach (var key in _cluster.StoredKeys([.. inFlight.Select(j => j.Key)]))
        {
            var job = inFlight.First(j => j.Key == key);
            if (_cluster.TryGet(key) is not { } result) continue;
            if (!Complete(job, result, "(from the results table)")) continue;
            lock (_gate) job.Call?.Cancel();
        }
    }

    private bool Complete(Job job, CandidateResult result, string where)
    {
        int done, failed;
        lock (_gate)
        {
            if (job.Done) return false;
            job.Done = true;
            _local.Put(result);
            done = ++_done;
            failed = result.Status == CandidateStatus.Failed ? ++_failed : _failed;
        }
        var eta = done < _jobs.Count ? TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / done * (_jobs.Count - done)) : TimeSpan.Zero;
        int running;
        lock (_gate) running = _jobs.Count(j => !j.Done && j.Call is not null);
        var what = result.Status == CandidateStatus.Evaluated
            ? $"evaluated in {result.EvaluationSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s {where}".TrimEnd()
            : $"failed: {result.Reason}";
        _progress?.Report(new SweepProgress(done, _jobs.Count,
            $"{job.Label}: {what} (running {running}, failed {failed}, ETA {eta:hh\\:mm\\:ss})"));
        if (done == _jobs.Count)
        {
            _queue.Writer.TryComplete();
            _finished.TrySetResult();
        }
        return true;
    }

    private void Report(string message)
    {
        _progress?.Report(new SweepProgress(0, _jobs.Count, message));
    }

    /// <summary>Where workers fetch a model: its file name under the sweep's models URL; null when none is given (they read the path).</summary>
    internal static string? ModelUrl(Uri? modelsUrl, string modelPath) =>
        modelsUrl is null ? null : new Uri(modelsUrl, Uri.EscapeDataString(Path.GetFileName(modelPath))).AbsoluteUri;

    private string? ModelUrl(CandidateSpec spec) => ModelUrl(_modelsUrl, spec.ModelPath);

    private static string OneLine(Exception e) => e.Message.Split('\n')[0].Trim();

    private sealed class Job(CandidateSpec spec)
    {
        public CandidateSpec Spec { get; } = spec;
        public string Key { get; } = spec.ComputeKey();
        public string Label { get; } = $"{Path.GetFileName(spec.ModelPath)} on {spec.Device} at {SweepPrecisions.Name(spec.Precision)}";
        public int Attempts { get; set; }
        public bool Done { get; set; }
        public CancellationTokenSource? Call { get; set; }
    }

    private sealed class Worker(WorkerInfo info, SiloAddress address, CancellationTokenSource stop)
    {
        public WorkerInfo Info { get; } = info;
        public SiloAddress Address { get; } = address;
        public CancellationTokenSource Stop { get; } = stop;
        public int Lanes { get; set; } = info.Slots;
    }
}
