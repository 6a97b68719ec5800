using EdgeOpt.Cli;
using EdgeOpt.Deployment;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.Deployment;

/// <summary>
/// Structured pruning as a dimension of the deploy search: the config's targets (<see cref="OptimizationConfig.PruneMacs"/>),
/// the spec field and its place in the content key, the candidates the space crosses them into, and the commands that
/// reproduce a pruned candidate.
/// </summary>
public sealed class PruningCandidateTests(DemoCandidates demo) : IClassFixture<DemoCandidates>
{
    [Fact]
    public void An_unpruned_spec_keeps_its_key_because_the_field_is_left_out_of_the_canonical_form()
    {
        var spec = CandidateJsonTests.Spec with { Precision = CandidatePrecision.Int8Static, MixedTargetAccuracy = null };

        Assert.DoesNotContain("pruneMacs", CandidateJson.Canonical(spec), StringComparison.Ordinal);
        Assert.DoesNotContain("pruneMacs", spec.ToJson(), StringComparison.Ordinal);
        Assert.Contains("\"pruneMacs\":0.75", CandidateJson.Canonical(spec with { PruneMacs = 0.75 }), StringComparison.Ordinal);
    }

    [Fact]
    public void The_key_changes_with_the_pruning_target_and_survives_the_JSON_form()
    {
        var spec = CandidateJsonTests.Spec with { Precision = CandidatePrecision.Int8Static, MixedTargetAccuracy = null };
        var keys = new[] { spec, spec with { PruneMacs = 0.75 }, spec with { PruneMacs = 0.5 } }.Select(s => s.ComputeKey()).ToList();

        Assert.Equal(3, keys.Distinct(StringComparer.Ordinal).Count());
        var pruned = spec with { PruneMacs = 0.75 };
        var back = CandidateSpec.Parse(pruned.ToJson());
        Assert.Equal(0.75, back.PruneMacs);
        Assert.Equal(pruned.ComputeKey(), back.ComputeKey());
    }

    [Theory]
    [InlineData(1.0, "PruneMacs is 1: expected a fraction")]
    [InlineData(0.0, "PruneMacs is 0: expected a fraction")]
    [InlineData(-0.5, "PruneMacs is -0.5")]
    public void A_spec_with_a_target_outside_0_1_is_invalid(double macs, string expected)
    {
        var spec = CandidateJsonTests.Spec with { Precision = CandidatePrecision.Fp32, MixedTargetAccuracy = null, PruneMacs = macs };

        var problem = Assert.Single(spec.Validate());
        Assert.Contains(expected, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mixed_precision_is_not_pruned()
    {
        var problem = Assert.Single((CandidateJsonTests.Spec with { PruneMacs = 0.75 }).Validate());
        Assert.Contains("mixed precision", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deploy_json_reads_a_list_of_targets_and_refuses_bad_ones_naming_the_field()
    {
        var config = OptimizationConfig.Parse("""{ "pruneMacs": [0.75, 0.5] }""");
        Assert.Equal([0.75, 0.5], config.PruneMacs);
        Assert.Equal([0.75, 0.5], OptimizationConfig.Parse(config.ToJson()).PruneMacs);
        Assert.Empty(new OptimizationConfig().PruneMacs);
        Assert.DoesNotContain("pruneMacs", new OptimizationConfig().ToJson(), StringComparison.Ordinal);

        var outside = Assert.Throws<InvalidOptionsException>(() => OptimizationConfig.Parse("""{ "pruneMacs": [0.75, 1.5] }"""));
        Assert.Contains("PruneMacs has 1.5: expected fractions of the MACs to keep", outside.Message, StringComparison.Ordinal);
        var twice = Assert.Throws<InvalidOptionsException>(() => OptimizationConfig.Parse("""{ "pruneMacs": [0.5, 0.5] }"""));
        Assert.Contains("twice", twice.Message, StringComparison.Ordinal);
        var kind = Assert.Throws<DataFormatException>(() => OptimizationConfig.Parse("""{ "pruneMacs": 0.5 }"""));
        Assert.Contains("pruneMacs", kind.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_space_crosses_each_target_with_the_precisions_but_mixed_and_only_when_asked()
    {
        using var model = Model.Load(demo.ModelPath);
        var facts = CandidateSpace.ModelFacts.Of(model, new FileInfo(demo.ModelPath).Length);
        var device = ResolvedDevice.Resolve("pixel-7");
        var template = demo.Spec(CandidatePrecision.Fp32);
        var config = new OptimizationConfig { MaxAccuracyDrop = 1, Threads = 1 };

        var plain = CandidateSpace.Build(model, facts, device, config, template, hasLabels: true, hostCores: 2);
        var pruned = CandidateSpace.Build(model, facts, device, config with { PruneMacs = [0.75, 0.5] }, template, hasLabels: true, hostCores: 2);

        Assert.DoesNotContain(plain.Candidates, c => c.Spec.PruneMacs is not null);
        var added = pruned.Candidates.Where(c => c.Spec.PruneMacs is not null).Select(c => c.Spec).ToList();
        var precisions = plain.Candidates.Select(c => c.Spec.Precision).Where(p => p != CandidatePrecision.Mixed).Append(CandidatePrecision.Fp32).Distinct().Order().ToList();
        Assert.Contains(CandidatePrecision.Int8Static, precisions);
        foreach (var macs in new[] { 0.75, 0.5 })
            Assert.Equal(precisions, added.Where(s => s.PruneMacs == macs).Select(s => s.Precision).Order().ToList());
        Assert.All(added, s => Assert.Equal(pruned.Baseline.Backend, s.Backend));
        Assert.Equal(plain.Candidates.Count + added.Count, pruned.Candidates.Count);
        Assert.Contains(pruned.Notes, n => n.Contains("reconstructed on the first 100 samples", StringComparison.Ordinal));

        // Predicted smaller than their unpruned twins: the search sees what pruning should buy.
        foreach (var spec in added.Where(s => s.PruneMacs == 0.5 && s.Precision != CandidatePrecision.Fp32))
        {
            var twin = pruned.Candidates.Single(c => c.Spec == (spec with { PruneMacs = null }));
            var planned = pruned.Candidates.Single(c => c.Spec == spec);
            Assert.True(planned.PredictedSizeBytes < twin.PredictedSizeBytes, $"{spec.Precision}: {planned.PredictedSizeBytes} vs {twin.PredictedSizeBytes}");
        }
    }

    [Fact]
    public void Without_data_the_space_says_pruned_candidates_are_not_reconstructed()
    {
        using var model = Model.Load(demo.ModelPath);
        var facts = CandidateSpace.ModelFacts.Of(model, new FileInfo(demo.ModelPath).Length);
        var space = CandidateSpace.Build(model, facts, ResolvedDevice.Resolve("pixel-7"), new OptimizationConfig { PruneMacs = [0.6], Threads = 1 },
            demo.Spec(CandidatePrecision.Fp32, withData: false), hasLabels: false, hostCores: 2);

        Assert.Contains(space.Notes, n => n.Contains("not reconstructed", StringComparison.Ordinal));
        Assert.DoesNotContain(space.Candidates, c => c.Spec.PruneMacs is not null && c.Spec.Precision == CandidatePrecision.Int8Static);
        Assert.Contains(space.Candidates, c => c.Spec.PruneMacs == 0.6 && c.Spec.Precision == CandidatePrecision.Int8Dynamic);
    }

    [Fact]
    public void A_pruned_candidate_is_labelled_and_its_command_prunes_then_quantizes_the_pruned_file_and_parses()
    {
        var spec = demo.Spec(CandidatePrecision.Int8Static) with { PruneMacs = 0.75 };

        var label = CandidateCommand.Label(spec);
        var command = CandidateCommand.For(spec);
        var steps = command.Split(" && ");

        Assert.StartsWith("channel-pruned 0.75× MACs, int8-static", label, StringComparison.Ordinal);
        Assert.Equal(2, steps.Length);
        Assert.StartsWith("edgeopt prune ", steps[0], StringComparison.Ordinal);
        Assert.Contains("--target-macs 0.75 --data ", steps[0], StringComparison.Ordinal);
        Assert.Contains("--samples 100 --reconstruct", steps[0], StringComparison.Ordinal);
        Assert.StartsWith("edgeopt quantize fashion-cnn.pruned-0.75.onnx -o fashion-cnn.pruned-0.75.int8-static.onnx --type int8", steps[1], StringComparison.Ordinal);
        foreach (var step in steps)
        {
            var parse = CliApp.BuildRoot().Parse(step.Split(' ').Skip(1).Select(a => a.Trim('\'')).ToArray());
            Assert.True(parse.Errors.Count == 0, $"{step}: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        }
        Assert.DoesNotContain("--reconstruct", CandidateCommand.For(demo.Spec(CandidatePrecision.Fp32, withData: false) with { PruneMacs = 0.5 }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.5", "--prune-macs has 1.5")]
    [InlineData("0.5,abc", "--prune-macs '0.5,abc'")]
    [InlineData("0.5,0.5", "--prune-macs lists a target twice")]
    public void Deploy_refuses_a_bad_prune_target_with_one_line_and_writes_nothing(string value, string expected)
    {
        using var dir = new TempDir();
        var output = dir.File("out");

        var line = CliHarness.UsageErrorLine(CliHarness.Run("deploy", demo.ModelPath, "--device", "pixel-7", "-o", output, "--prune-macs", value, "--no-cache"));

        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }
}
