using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Pruning;
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
        Assert.True(result.Fidelity.Outputs[0].Cosine > 0.5, $"cosine {result.Fidelity.Outputs[0].Cosine}");
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
        // The hidden stream (384) that LayerNorm normalizes and the residual adds couple is left whole, with the reason.
        var hidden = result.Groups.Where(g => g.Channels == 384 && g.Producers.Count > 1).ToList();
        Assert.NotEmpty(hidden);
        Assert.All(hidden, g => Assert.False(g.Prunable));
        Assert.All(hidden, g => Assert.Equal(384, g.Kept));
        Assert.Contains(result.Groups, g => !g.Prunable && g.Reason!.Contains("LayerNorm", StringComparison.OrdinalIgnoreCase) || g.Reason?.Contains("normalizes") == true);
        Assert.True(result.ParametersAfter < result.ParametersBefore);
    }
}
