using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Cli;
using EdgeOpt.Pruning;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.Quantization;
using EdgeOpt.Tests.Transformer;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Pruning;

/// <summary>Structured pruning of real models: ResNet18 (CNTK export, residual streams) and MiniLM (BERT export).</summary>
public sealed class StructuredModelTests(ITestOutputHelper output)
{
    [Fact]
    public void ResNet18_prunes_to_three_quarters_of_its_macs_and_runs()
    {
        using var model = Model.Load(Fixtures.ResNet18);
        var input = model.Graph.Inputs[0].Name;
        using var crops = new NaturalCropSource(Fixtures.ResNet18, input, 8, seed: 1_000, PhotoCrops.CalibrationPhotos);

        using var result = StructuredGraphs.Prune(model, new PruningOptions { TargetMacs = 0.75, RoundTo = 8, MeasureSensitivity = true }, crops);

        output.WriteLine($"MACs {result.MacRatio:F3}, cosine {result.Fidelity.Outputs[0].Cosine:F4}, {result.Elapsed.TotalSeconds:F1} s");
        foreach (var g in result.Groups) output.WriteLine($"group {g.Id}: {g.Kept}/{g.Channels} {(g.Prunable ? "" : g.Reason)} [{string.Join(", ", g.Producers)}]");
        foreach (var s in result.Sensitivity) output.WriteLine($"sensitivity {s.Group}: {s.Fraction:F2} cosine {s.Cosine:F4} error {s.RelativeError:F4}");
        Assert.True(result.MacRatio <= 0.75, $"MAC ratio {result.MacRatio}");
        Assert.True(result.MacRatio >= 0.6, $"MAC ratio {result.MacRatio}: far below the target");
        // Nine block-internal groups and the 64/128/256 residual streams prune; the 512 stream reaches the output.
        Assert.Equal(12, result.Groups.Count(g => g.Prunable));
        var last = Assert.Single(result.Groups, g => !g.Prunable);
        Assert.Equal(512, last.Channels);
        Assert.Contains("graph output", last.Reason);
        Assert.Equal(12, result.Sensitivity.Count);
        Assert.All(result.Groups.Where(g => g.Kept < g.Channels), g => Assert.Equal(0, g.Kept % 8));
        Assert.Equal(22, result.Model.Graph.Nodes.Count(n => n.OpType == "Conv"));
        Assert.InRange(result.Fidelity.Outputs[0].Cosine, 0, 1.000001);
        foreach (var importance in new[] { ChannelImportance.Activation, ChannelImportance.Fpgm })
        {
            using var other = new Pruner(new PruningOptions { TargetMacs = 0.75, RoundTo = 8, Importance = importance }).Prune(model, crops);
            output.WriteLine($"{importance}: MACs {other.MacRatio:F3}, cosine {other.Fidelity.Outputs[0].Cosine:F4}, {other.Elapsed.TotalSeconds:F1} s");
        }
    }

    [Fact]
    public void MiniLM_prunes_feed_forward_channels_and_keeps_the_layer_norm_stream_whole()
    {
        using var model = Model.Load(MiniLm.ModelPath);
        var sentences = EnglishSentences.Sentences.Take(6).ToList();
        var samples = sentences.Select(s =>
        {
            var ids = MiniLm.Tokenizer.Encode(s, maxLength: 64);
            var n = ids.Length;
            return (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor>
            {
                ["input_ids"] = Tensor.Create("input_ids", ids.Select(i => (long)i).ToArray(), 1, n),
                ["attention_mask"] = Tensor.Create("attention_mask", Enumerable.Repeat(1L, n).ToArray(), 1, n),
                ["token_type_ids"] = Tensor.Create("token_type_ids", new long[n], 1, n),
            };
        }).ToList();

        using var result = StructuredGraphs.Prune(model, new PruningOptions { Ratio = 0.3, RoundTo = 8 }, new InMemorySampleSource(samples));

        foreach (var g in result.Groups) output.WriteLine($"group {g.Id}: {g.Kept}/{g.Channels} {(g.Prunable ? "" : g.Reason)} [{string.Join(", ", g.Producers.Take(3))}]");
        output.WriteLine($"cosine {result.Fidelity.Outputs.Min(o => o.Cosine):F4}, parameters {result.ParametersAfter}/{result.ParametersBefore}");
        // The six feed-forward intermediate groups (1536 channels each) prune.
        var ffn = result.Groups.Where(g => g.Prunable && g.Channels == 1536).ToList();
        Assert.Equal(6, ffn.Count);
        Assert.All(ffn, g => Assert.Equal(0, g.Kept % 8));
        Assert.True(ffn.Sum(g => g.Channels - g.Kept) > 0);
        // Every 384-wide group feeds the residual stream that LayerNorm normalizes, or splits into attention heads: left whole, with the reason.
        var hidden = result.Groups.Where(g => g.Channels == 384).ToList();
        Assert.Equal(6 * 5 + 1, hidden.Count);
        Assert.All(hidden, g => Assert.False(g.Prunable));
        Assert.All(hidden, g => Assert.Equal(384, g.Kept));
        Assert.Equal(6 * 3, hidden.Count(g => g.Reason!.Contains("attention-head")));
        Assert.Equal(6 * 2, hidden.Count(g => g.Reason!.Contains("residual stream") || g.Reason.Contains("LayerNorm") || g.Reason.Contains("normalizes")));
        Assert.Single(hidden, g => g.Reason!.Contains("graph output"));
        Assert.True(result.ParametersAfter < result.ParametersBefore);
    }

    [Fact]
    public void Demo_model_prunes_to_six_tenths_of_its_macs()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var input = model.Graph.Inputs.Single(i => !i.IsInitializer).Name;
        var calibration = DemoAssets.CalibrationSet();
        var samples = Enumerable.Range(0, 64).Select(i => (IReadOnlyDictionary<string, Tensor>)new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            // The demo model takes pixel/255 (see DemoAssets).
            [input] = Tensor.Create(input, calibration.Image(i).ToArray().Select(p => p / 255f).ToArray(), 1, 1, calibration.Rows, calibration.Cols),
        }).ToList();

        using var result = StructuredGraphs.Prune(model, new PruningOptions { TargetMacs = 0.6 }, new InMemorySampleSource(samples));

        var test = DemoAssets.TestSet();
        var settings = new SessionSettings { Optimization = GraphOptimization.None, IntraOpThreads = 1 };
        using var original = SessionFactory.Create(model, settings);
        using var pruned = SessionFactory.Create(result.Model, settings);
        var before = ModelEvaluator.Evaluate(original, test);
        var after = ModelEvaluator.Evaluate(pruned, test);
        output.WriteLine($"MACs {result.MacRatio:F3}; top-1 {before.Top1:P2} -> {after.Top1:P2} without reconstruction");
        foreach (var g in result.Groups) output.WriteLine($"group {g.Id}: {g.Kept}/{g.Channels} {(g.Prunable ? "" : g.Reason)} [{string.Join(", ", g.Producers)}]");
        Assert.True(result.MacRatio <= 0.6, $"MAC ratio {result.MacRatio}");
        Assert.True(result.MacsBefore > 0);
        Assert.Equal(test.Count, after.Samples);
        Assert.True(after.Top1 > 0.1, $"top-1 {after.Top1:P1}: the pruned model no longer classifies");
    }
}
