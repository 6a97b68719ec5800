using EdgeOpt.Deployment;
using EdgeOpt.Devices;

namespace EdgeOpt.Tests.Deployment;

/// <summary>Pareto front, constraint checks and the choice on hand-built results: exact expected keys and margins.</summary>
public class DeploymentSelectionTests
{
    private static CandidateResult Result(string key, CandidatePrecision precision, double accuracy, double latencyMs, long size, long memory,
        int threads = 2, AccelerationBackend backend = AccelerationBackend.Cpu, double? cosine = null, double? agreement = null) => new()
    {
        Spec = new CandidateSpec
        {
            ModelPath = "m.onnx", ModelSha256 = new string('a', 64), Device = "pixel-7", DeviceSha256 = new string('b', 64),
            Precision = precision, Threads = threads, Backend = backend, ToolVersion = "test",
        },
        Key = key, Label = key, Status = CandidateStatus.Evaluated, Command = "edgeopt", MeasuredAccuracy = accuracy,
        MeasuredCosine = cosine, MeasuredTop1Agreement = agreement,
        EstimatedLatencyMs = latencyMs, SizeBytes = size, EstimatedMemoryBytes = memory,
    };

    // fp32 baseline: 90% accurate, 10 ms, 4 MB, 6 MB memory.
    private static readonly CandidateResult Fp32 = Result("fp32", CandidatePrecision.Fp32, 0.90, 10, 4_000_000, 6_000_000);
    private static readonly CandidateResult Fp16 = Result("fp16", CandidatePrecision.Fp16, 0.90, 8, 2_000_000, 4_000_000);
    private static readonly CandidateResult Int8 = Result("int8", CandidatePrecision.Int8Static, 0.88, 4, 1_000_000, 2_500_000);
    private static readonly CandidateResult Int8Bad = Result("int8-pt", CandidatePrecision.Int8Static, 0.80, 4, 1_000_000, 2_500_000);
    private static readonly CandidateResult Slow = Result("slow", CandidatePrecision.Fp32, 0.90, 12, 4_000_000, 6_000_000);

    private static readonly DeploymentSelection.Reference Labelled = new(Fp32, 4_000_000, HasLabels: true);

    [Fact]
    public void The_front_keeps_every_undominated_candidate_and_drops_the_dominated_ones()
    {
        var front = DeploymentSelection.ParetoFront([Fp32, Fp16, Int8, Int8Bad, Slow], Labelled);

        // fp16 dominates fp32 and slow (as accurate, faster, smaller); int8 dominates int8-pt (same figures, more accurate).
        Assert.Equal(["fp16", "int8"], front);
    }

    [Fact]
    public void Among_candidates_meeting_every_constraint_the_fastest_on_the_target_wins()
    {
        var config = new OptimizationConfig { TargetAccuracy = 0.95, TargetLatencyMs = 9 };

        var selection = DeploymentSelection.Select([Fp32, Fp16, Int8, Int8Bad], Labelled, config);

        Assert.True(selection.ConstraintsMet);
        Assert.Equal("int8", selection.Chosen.Key);
        var latency = selection.Checks.Single(c => c.Constraint == "target latency");
        Assert.Equal(5, latency.Margin!.Value, 9);
        Assert.Equal("estimated", latency.Provenance);
        var accuracy = selection.Checks.Single(c => c.Constraint == "accuracy kept (of FP32's)");
        Assert.Equal(0.88 / 0.90, accuracy.Value!.Value, 9);
        Assert.Equal(0.88 / 0.90 - 0.95, accuracy.Margin!.Value, 9);
        Assert.True(accuracy.Met);
    }

    [Fact]
    public void Equal_latency_goes_to_the_smaller_model()
    {
        var bigger = Result("int8-big", CandidatePrecision.Int8Static, 0.89, 4, 1_500_000, 2_500_000);

        var selection = DeploymentSelection.Select([Fp32, bigger, Int8], Labelled, new OptimizationConfig());

        Assert.Equal("int8", selection.Chosen.Key);
    }

    [Fact]
    public void An_estimate_tie_goes_to_the_candidate_measured_faster_here_before_size()
    {
        // Same estimate (the latency model cannot tell static from dynamic INT8 apart); dynamic is smaller but measures 7x
        // slower than FP32 here while static runs at 1.5x FP32's speed.
        var dynamicInt8 = Result("int8-dyn", CandidatePrecision.Int8Dynamic, 0.88, 4, 900_000, 2_500_000) with
            { MeasuredLatencyP50Ms = 0.7, MeasuredBaselineP50Ms = 0.1 };
        var staticInt8 = Result("int8-static", CandidatePrecision.Int8Static, 0.88, 4.02, 1_000_000, 2_500_000) with
            { MeasuredLatencyP50Ms = 0.06, MeasuredBaselineP50Ms = 0.09 };

        var selection = DeploymentSelection.Select([Fp32, dynamicInt8, staticInt8], Labelled, new OptimizationConfig());

        Assert.Equal("int8-static", selection.Chosen.Key);
    }

    [Fact]
    public void A_tight_accuracy_target_rules_out_the_fast_candidate()
    {
        var config = new OptimizationConfig { TargetAccuracy = 0.99 };

        var selection = DeploymentSelection.Select([Fp32, Fp16, Int8], Labelled, config);

        Assert.Equal("fp16", selection.Chosen.Key);
        Assert.True(selection.ConstraintsMet);
    }

    [Fact]
    public void When_nothing_meets_the_constraints_the_closest_is_chosen_with_negative_margins()
    {
        // 1 ms is out of reach for all; int8 misses by 3 ms (3.0 normalised), fp16 by 7 ms (7.0), fp32 by 9 ms (9.0).
        var config = new OptimizationConfig { TargetLatencyMs = 1, MaxAccuracyDrop = 5 };

        var selection = DeploymentSelection.Select([Fp32, Fp16, Int8, Int8Bad], Labelled, config);

        Assert.False(selection.ConstraintsMet);
        Assert.Equal("int8", selection.Chosen.Key);
        var latency = selection.Checks.Single(c => c.Constraint == "target latency");
        Assert.False(latency.Met);
        Assert.Equal(-3, latency.Margin!.Value, 9);
        var drop = selection.Checks.Single(c => c.Constraint == "accuracy drop");
        Assert.True(drop.Met);
        Assert.Equal(2, drop.Value!.Value, 9);
        Assert.Equal(3, drop.Margin!.Value, 9);
        Assert.Equal(3.0, DeploymentSelection.TotalViolation(selection.Checks), 9);
    }

    [Fact]
    public void Violations_are_compared_relative_to_their_limits()
    {
        // int8: 0.5 MB over a 2 MB memory limit (0.25 of it); fp16: 2 MB over (1.0). int8-pt misses memory as int8 does
        // and its accuracy too (0.889 of FP32's, 0.061 under 0.95: 0.064 more), so it is further.
        var config = new OptimizationConfig { MaxMemoryMb = 2, TargetAccuracy = 0.95 };

        var selection = DeploymentSelection.Select([Fp16, Int8Bad, Int8], Labelled, config);

        Assert.False(selection.ConstraintsMet);
        Assert.Equal("int8", selection.Chosen.Key);
        var memory = selection.Checks.Single(c => c.Constraint == "max memory");
        Assert.Equal(-0.5, memory.Margin!.Value, 9);
        Assert.Equal("MB", memory.Unit);
        Assert.Equal(0.25, DeploymentSelection.TotalViolation(selection.Checks), 9);
    }

    [Fact]
    public void Compression_ratio_is_the_size_over_the_original()
    {
        var config = new OptimizationConfig { CompressionRatio = 0.3 };

        var selection = DeploymentSelection.Select([Fp32, Fp16, Int8], Labelled, config);

        Assert.Equal("int8", selection.Chosen.Key);
        var ratio = Assert.Single(selection.Checks);
        Assert.Equal(0.25, ratio.Value!.Value, 9);
        Assert.Equal(0.05, ratio.Margin!.Value, 9);
    }

    [Fact]
    public void Without_labels_accuracy_constraints_are_checked_as_fidelity_to_fp32()
    {
        var baseline = Result("fp32", CandidatePrecision.Fp32, double.NaN, 10, 4_000_000, 6_000_000, cosine: 1, agreement: 1) with { MeasuredAccuracy = null };
        var close = Result("fp16", CandidatePrecision.Fp16, double.NaN, 8, 2_000_000, 4_000_000, cosine: 0.9999, agreement: 0.995) with { MeasuredAccuracy = null };
        var far = Result("int8", CandidatePrecision.Int8Static, double.NaN, 4, 1_000_000, 2_500_000, cosine: 0.97, agreement: 0.93) with { MeasuredAccuracy = null };
        var reference = new DeploymentSelection.Reference(baseline, 4_000_000, HasLabels: false);
        var config = new OptimizationConfig { TargetAccuracy = 0.95, MinFidelity = 0.99 };

        var selection = DeploymentSelection.Select([baseline, close, far], reference, config);

        Assert.Equal("fp16", selection.Chosen.Key);
        var kept = selection.Checks.Single(c => c.Constraint.StartsWith("fidelity kept", StringComparison.Ordinal));
        Assert.Equal("fidelity kept (top-1 agreement with FP32)", kept.Constraint);
        Assert.Equal(0.045, kept.Margin!.Value, 9);
        var cosine = selection.Checks.Single(c => c.Constraint == "min fidelity (cosine to FP32)");
        Assert.Equal(0.0099, cosine.Margin!.Value, 9);
        // The front ranks by cosine without labels: the three trade cosine for speed, none dominated.
        Assert.Equal(["fp32", "fp16", "int8"], DeploymentSelection.ParetoFront([baseline, close, far], reference));
    }

    [Fact]
    public void Battery_optimization_prefers_fewer_core_milliseconds_among_those_meeting_the_constraints()
    {
        // 4 ms on 4 threads = 16 core-ms; 6 ms on 1 thread = 6 core-ms: the single thread wins on energy, not speed.
        var fourThreads = Result("int8-4t", CandidatePrecision.Int8Static, 0.88, 4, 1_000_000, 2_500_000, threads: 4);
        var oneThread = Result("int8-1t", CandidatePrecision.Int8Static, 0.88, 6, 1_000_000, 2_500_000, threads: 1);

        var fast = DeploymentSelection.Select([Fp32, fourThreads, oneThread], Labelled, new OptimizationConfig());
        var battery = DeploymentSelection.Select([Fp32, fourThreads, oneThread], Labelled, new OptimizationConfig { BatteryOptimization = true });

        Assert.Equal("int8-4t", fast.Chosen.Key);
        Assert.Equal("int8-1t", battery.Chosen.Key);
        Assert.Equal(6, DeploymentSelection.EnergyScore(oneThread), 9);
        Assert.Equal(16, DeploymentSelection.EnergyScore(fourThreads), 9);
    }

    [Fact]
    public void Candidates_that_were_not_evaluated_are_neither_on_the_front_nor_chosen()
    {
        var pruned = Result("pruned", CandidatePrecision.Int4WeightOnly, 0.9, 0.1, 1, 1) with { Status = CandidateStatus.Pruned };
        var failed = Result("failed", CandidatePrecision.Mixed, 0.9, 0.1, 1, 1) with { Status = CandidateStatus.Failed };

        var selection = DeploymentSelection.Select([Fp32, pruned, failed], Labelled, new OptimizationConfig());

        Assert.Equal("fp32", selection.Chosen.Key);
        Assert.Equal(["fp32"], selection.ParetoFront);
    }

    [Fact]
    public void An_eligibility_filter_keeps_the_baseline_out_of_the_choice()
    {
        var selection = DeploymentSelection.Select([Fp32, Fp16], Labelled, new OptimizationConfig(), c => c.Spec.Precision == CandidatePrecision.Fp16);

        Assert.Equal("fp16", selection.Chosen.Key);
    }
}
