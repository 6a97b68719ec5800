using System.Diagnostics;
using System.Globalization;

namespace EdgeOpt.Deployment;

/// <summary>
/// Runs the deploy search: the FP32 baseline first (every accuracy figure is relative to it), then the planned
/// candidates in order of expected gain, each looked up in the results store before it is evaluated and stored after
/// (failures too: they are as reproducible as measurements).
/// Pruned candidates are recorded without evaluating; when the time budget runs out the rest are recorded out of time.
/// Evaluation and storage are passed in, so the search is the same whether candidates run here or elsewhere.
/// </summary>
internal sealed class DeploymentSearch(
    Func<CandidateSpec, IProgress<string>?, CancellationToken, CandidateResult> evaluate,
    Func<string, CandidateResult?>? tryGet,
    Action<CandidateResult>? put,
    Func<CandidateSpec, string> key)
{
    /// <summary>What the search found, in the order considered (baseline first).</summary>
    public sealed record Outcome(IReadOnlyList<CandidateResult> Results, CandidateResult Baseline, int Cached, int Evaluated, bool BudgetExhausted);

    /// <summary>
    /// Evaluates <paramref name="baseline"/>, asks <paramref name="plan"/> for the candidates (knowing the baseline's
    /// figures), then evaluates them until done or <paramref name="budget"/> (on <paramref name="clock"/>) runs out.
    /// </summary>
    /// <exception cref="ConstraintException">The budget ran out before the baseline was measured (what was done is in the message).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public Outcome Run(CandidateSpec baseline, Func<CandidateResult, IReadOnlyList<CandidateSpace.Planned>> plan, Stopwatch clock, TimeSpan? budget,
        IProgress<DeployProgress>? progress, CancellationToken ct)
    {
        var results = new List<CandidateResult>();
        var cached = 0;
        var evaluated = 0;
        var lastMessage = "nothing yet";

        progress?.Report(new DeployProgress("baseline", 0, 1, CandidateCommand.Label(baseline), "measuring the FP32 baseline"));
        var first = EvaluateOne(baseline, 0, 1, msg => lastMessage = msg);
        if (first.Result is not { } baselineResult)
            throw new ConstraintException(
                $"the time budget of {Show(budget)} ran out before the FP32 baseline was measured (after {clock.Elapsed.TotalSeconds:0.#} s; last step: {lastMessage}); " +
                "give a larger --time-budget");
        if (baselineResult.Status != CandidateStatus.Evaluated)
            // The model as given does not run on these inputs (e.g. random inputs for a model whose dims need real data):
            // the user's inputs to fix, exit 2, not an internal failure.
            throw new UsageException($"the FP32 baseline could not be evaluated: {baselineResult.Reason}; give representative inputs with --data (or fix the input shapes with 'edgeopt optimize --fixed-shape')");
        // An evaluation that finishes between two cancellation checks still overran: the budget did not cover the baseline.
        if (!first.Cached && IsOver(budget, clock))
            throw new ConstraintException(
                $"the time budget of {Show(budget)} ran out before the FP32 baseline was measured (it took {clock.Elapsed.TotalSeconds:0.#} s; measured: {Measured(baselineResult)}); " +
                "give a larger --time-budget");
        results.Add(baselineResult);

        var planned = plan(baselineResult);
        var total = planned.Count(p => p.PruneReason is null);
        var done = 0;
        var exhausted = false;
        foreach (var candidate in planned)
        {
            var spec = candidate.Spec;
            if (candidate.PruneReason is { } reason)
            {
                results.Add(Skipped(spec, CandidateStatus.Pruned, reason));
                continue;
            }
            if (exhausted || IsOver(budget, clock))
            {
                exhausted = true;
                results.Add(Skipped(spec, CandidateStatus.OutOfTime,
                    $"time budget of {Show(budget)} ran out after {evaluated + cached} candidates ({clock.Elapsed.TotalSeconds:0.#} s)"));
                continue;
            }
            progress?.Report(new DeployProgress("search", done, total, CandidateCommand.Label(spec), null));
            var outcome = EvaluateOne(spec, done, total, null);
            done++;
            if (outcome.Result is { } result) results.Add(result);
            else
            {
                exhausted = true;
                results.Add(Skipped(spec, CandidateStatus.OutOfTime,
                    $"time budget of {Show(budget)} ran out while evaluating it ({clock.Elapsed.TotalSeconds:0.#} s)"));
            }
        }
        progress?.Report(new DeployProgress("search", total, total, null, $"{evaluated} evaluated, {cached} from the results store"));
        return new Outcome(results, baselineResult, cached, evaluated, exhausted);

        // Null when the budget ran out during the evaluation.
        (CandidateResult? Result, bool Cached) EvaluateOne(CandidateSpec spec, int index, int count, Action<string>? onMessage)
        {
            var specKey = key(spec);
            if (tryGet?.Invoke(specKey) is { Status: CandidateStatus.Evaluated or CandidateStatus.Failed } hit)
            {
                cached++;
                return (hit with { Spec = spec }, true);
            }
            using var budgetToken = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (budget is { } b) budgetToken.CancelAfter(Remaining(b, clock));
            var label = CandidateCommand.Label(spec);
            var messages = new InlineProgress(message =>
            {
                onMessage?.Invoke(message);
                progress?.Report(new DeployProgress(index == 0 && count == 1 ? "baseline" : "search", index, count, label, message));
            });
            CandidateResult result;
            try
            {
                result = evaluate(spec, messages, budgetToken.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested && budgetToken.IsCancellationRequested)
            {
                return (null, false);
            }
            catch (Exception e) when (e is not OperationCanceledException && spec != baseline)
            {
                // One candidate failing to build or run does not end the search; the report says why.
                return (Skipped(spec, CandidateStatus.Failed, $"{e.GetType().Name}: {e.Message}"), false);
            }
            evaluated++;
            // A failure to build or estimate is as much a property of the spec and the tool version as a measurement is.
            if (result.Status is CandidateStatus.Evaluated or CandidateStatus.Failed) put?.Invoke(result);
            return (result, false);
        }
    }

    private CandidateResult Skipped(CandidateSpec spec, CandidateStatus status, string reason) => new()
    {
        Spec = spec,
        Key = key(spec),
        Label = CandidateCommand.Label(spec),
        Status = status,
        Reason = reason,
        Command = CandidateCommand.For(spec),
    };

    private static string Measured(CandidateResult r) => string.Join(", ", new[]
    {
        r.SizeBytes is { } size ? $"size {size:N0} bytes" : null,
        r.MeasuredLatencyP50Ms is { } p50 ? $"p50 {p50:0.###} ms on this host" : null,
        r.MeasuredAccuracy is { } acc ? $"top-1 {acc:P2}" : null,
    }.OfType<string>());

    private static bool IsOver(TimeSpan? budget, Stopwatch clock) => budget is { } b && clock.Elapsed >= b;

    private static TimeSpan Remaining(TimeSpan budget, Stopwatch clock)
    {
        var left = budget - clock.Elapsed;
        return left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1);
    }

    private static string Show(TimeSpan? budget) => budget is { } b
        ? b.TotalSeconds < 120 ? $"{b.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s" : $"{b.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)} min"
        : "none";

    private sealed class InlineProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
