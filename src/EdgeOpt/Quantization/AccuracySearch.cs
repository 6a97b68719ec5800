using System.Diagnostics;
using System.Globalization;
using EdgeOpt.Data;
using EdgeOpt.Quantization.Search;
using EdgeOpt.Runtime;

namespace EdgeOpt.Quantization;

/// <summary>
/// Accuracy-driven mixed precision: keeps the fewest int8 nodes in float that bring a calibrated int8 model back to an
/// accuracy target.
/// <code>
/// using var quantized = new Quantizer(new() { Method = CalibrationMethod.Entropy }).Quantize(model, calibration);
/// using var search = AccuracySearch.Run(quantized, testSet, new AccuracyTarget { MaxAccuracyDrop = 0.5 });
/// if (search.TargetMet) search.Model.Save("model.int8.onnx");
/// </code>
/// The metric is top-1 accuracy when labels are known, else top-1 agreement with the float model. If the fully
/// quantized model misses the target, each candidate compute node is measured quantized on its own (its sensitivity;
/// a MaxPool or Resize that re-quantizes its output goes with it, since it would otherwise keep the range); nodes are
/// then kept in float most-sensitive first, and a bisection over how many finds the fewest that meet the target,
/// assuming accuracy grows with the fallback count. At least one node stays quantized (all-float is not quantization).
/// </summary>
public static class AccuracySearch
{
    private const double Tolerance = 1e-9;

    /// <summary>Searches from <paramref name="quantized"/> (int8, calibrated here) using <paramref name="evaluation"/> data.</summary>
    /// <exception cref="InvalidOptionsException">
    /// The target sets neither or both bounds or is out of range, the options are out of range, or the quantization is
    /// not int8 calibrated on data (<see cref="QuantizerOptions.Validate"/>).
    /// </exception>
    /// <exception cref="UsageException">The data does not fit the model or carries no usable labels.</exception>
    public static AccuracySearchResult Run(QuantizationResult quantized, ISampleSource evaluation, AccuracyTarget target,
        AccuracySearchOptions? options = null, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(quantized);
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(target);
        options ??= new AccuracySearchOptions();
        // The one rule book: target, search options, and that the result is int8 calibrated on data (not from a fixed plan).
        ThrowHelper.IfInvalid(quantized.Options.Validate(new QuantizationWorkflow
        {
            CalibrationData = quantized.Calibration is not null,
            EvaluationData = true,
            AccuracyTarget = target,
            AccuracySearch = options,
        }));
        evaluation.CheckFits(quantized.FloatModel);

        return new Search(quantized, quantized.Calibration!.Ranges, evaluation, target, options, progress, cancellation).Run();
    }

    private sealed class Search(QuantizationResult quantized, IReadOnlyDictionary<string, TensorRange> ranges, ISampleSource data,
        AccuracyTarget target, AccuracySearchOptions options, IProgress<string>? progress, CancellationToken cancellation)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<SearchStep> _steps = [];
        private readonly Dictionary<int, QuantizationPlan> _plans = [];
        private readonly List<NodeSensitivity> _sensitivity = [];
        private PlanEvaluator _evaluator = null!;
        private string _metric = "";
        private double _float, _required;
        private bool _exhausted;

        public AccuracySearchResult Run()
        {
            var labels = options.Labels ?? data.Labels;
            if (labels is not null)
            {
                _metric = "top-1 accuracy";
                Report("measuring the float model");
                var floatResult = ModelEvaluator.Evaluate(quantized.FloatModel, data,
                    new EvaluationOptions { Labels = labels, Samples = options.Samples, Settings = options.Settings }, cancellation: cancellation);
                _float = floatResult.Top1!.Value * 100;
            }
            else
            {
                // Agreement with float is accuracy against the float model's own predictions, which are computed once.
                _metric = "top-1 agreement with float";
                Report("recording the float model's predictions");
                labels = ModelEvaluator.Predictions(quantized.FloatModel, data, options.Samples, options.Settings, cancellation);
                _float = 100;
            }
            _evaluator = new PlanEvaluator(quantized, ranges, data, labels, options);
            _required = target.Required(_float);

            var (initial, latency) = _evaluator.Measure(quantized.Model, cancellation);
            Record([], initial, latency, quantized.Plan!);
            Report(Invariant($"fully quantized: {initial:F2}% (float {_float:F2}%, need {_required:F2}%)"));
            if (Met(initial)) return Finish(initial);

            if (_required > _float + Tolerance)
            {
                Report(Invariant($"the target {_required:F2}% is above the float model's {_float:F2}%: it cannot be met"));
                return Finish(initial);
            }

            var candidates = _evaluator.Candidates();
            if (!MeasureSensitivity(candidates)) return Finish(initial);
            var byKey = candidates.ToDictionary(c => c.Key, StringComparer.Ordinal);
            Bisect(_sensitivity.Select(s => byKey[s.Node]).ToList());
            return Finish(initial);
        }

        // Each candidate quantized alone (every other candidate in float); false when the budget ran out.
        private bool MeasureSensitivity(IReadOnlyList<FallbackCandidate> candidates)
        {
            for (var i = 0; i < candidates.Count; i++)
            {
                if (OutOfTime()) return false;
                var node = candidates[i];
                var (accuracy, _) = _evaluator.Measure(_evaluator.PlanWithFallback(candidates.Where(c => c != node)), cancellation);
                _sensitivity.Add(new NodeSensitivity(node.Key, node.OpType, accuracy, _float - accuracy));
                Report(Invariant($"sensitivity {i + 1}/{candidates.Count}: {node.Key} ({node.OpType}) alone {accuracy:F2}%, drop {_float - accuracy:F2}"));
            }
            // Stable: equally harmful nodes keep their topological order.
            var sorted = _sensitivity.OrderByDescending(s => s.Drop).ToList();
            _sensitivity.Clear();
            _sensitivity.AddRange(sorted);
            return true;
        }

        // Smallest k (most sensitive nodes in float) meeting the target, in [1, N-1]: the largest first, since it bounds the rest.
        private void Bisect(List<FallbackCandidate> order)
        {
            var low = 0;
            var high = order.Count - 1;
            if (high < 1 || OutOfTime()) return;
            if (!Step(order, high)) return;
            while (high - low > 1)
            {
                if (OutOfTime()) return;
                var mid = (low + high) / 2;
                if (Step(order, mid)) high = mid;
                else low = mid;
            }
        }

        private bool Step(List<FallbackCandidate> order, int k)
        {
            var fallback = order.Take(k).ToList();
            var plan = _evaluator.PlanWithFallback(fallback);
            var (accuracy, latency) = _evaluator.Measure(plan, cancellation);
            var met = Record(fallback.Select(c => c.Key).ToList(), accuracy, latency, plan);
            Report(Invariant($"step k={k}: {accuracy:F2}%{(met ? " (meets the target)" : "")}"));
            return met;
        }

        private bool Record(IReadOnlyList<string> fallback, double accuracy, double latency, QuantizationPlan plan)
        {
            var met = Met(accuracy);
            _steps.Add(new SearchStep(fallback.Count, fallback, accuracy, latency, met));
            _plans[fallback.Count] = plan;
            return met;
        }

        // Met: the fewest fallbacks, then the most accurate; not met: the most accurate, then the fewest fallbacks.
        private AccuracySearchResult Finish(double initial)
        {
            var best = _steps.Where(s => s.Met).OrderBy(s => s.FallbackCount).ThenByDescending(s => s.Accuracy).FirstOrDefault()
                ?? _steps.OrderByDescending(s => s.Accuracy).ThenBy(s => s.FallbackCount).First();
            var plan = _plans[best.FallbackCount];
            var model = best.FallbackCount == 0 ? quantized.Model.Clone() : _evaluator.Build(plan);
            if (_exhausted) Report("time budget exhausted: returning the best model so far");
            return new AccuracySearchResult(model, plan)
            {
                TargetMet = best.Met,
                BudgetExhausted = _exhausted,
                Metric = _metric,
                FloatAccuracy = _float,
                InitialAccuracy = initial,
                Accuracy = best.Accuracy,
                RequiredAccuracy = _required,
                Sensitivity = _sensitivity.ToList(),
                Steps = _steps.ToList(),
                FallbackNodes = best.FallbackNodes,
                Elapsed = _clock.Elapsed,
            };
        }

        private bool Met(double accuracy) => accuracy + Tolerance >= _required;

        private bool OutOfTime()
        {
            cancellation.ThrowIfCancellationRequested();
            if (options.TimeBudget is { } budget && _clock.Elapsed >= budget) _exhausted = true;
            return _exhausted;
        }

        private void Report(string message) => progress?.Report(message);

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
