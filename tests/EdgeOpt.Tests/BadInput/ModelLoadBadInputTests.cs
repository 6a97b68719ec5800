using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Serialization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Tests.BadInput;

/// <summary>Model.Load on every malformed input: a one-line ModelFormatException that says what is wrong, input untouched.</summary>
public class ModelLoadBadInputTests
{
    public static TheoryData<string> Cases => MalformedModels.Names;

    [Theory]
    [MemberData(nameof(Cases))]
    public void Load_refuses_with_a_one_line_message_and_leaves_the_input_untouched(string name)
    {
        var bad = MalformedModels.Get(name);
        using var dir = new TempDir();
        var path = bad.Create(dir.Path);
        var before = FolderSnapshot.Take(dir.Path);

        var e = Assert.Throws<ModelFormatException>(() => Model.Load(path).Dispose());

        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
        foreach (var word in bad.Expected) Assert.Contains(word, e.Message, StringComparison.Ordinal);
        FolderSnapshot.Take(dir.Path).AssertUnchangedSince(before);
    }

    [Theory]
    [InlineData(MalformedModels.WeightsFile)]
    [InlineData("alias.bin")] // a symlink that stays inside the model's folder is fine
    public void The_same_external_layout_with_a_safe_location_loads_and_runs(string location)
    {
        using var dir = new TempDir();
        var path = MalformedModels.WriteExternalModel(dir.Path, [MalformedModels.WeightCount], ("location", location));

        using (var model = Model.Load(path))
        {
            var w = model.Graph.Initializers.Single().Initializer!;
            Assert.Equal(location, w.External!.Location);
            Assert.Equal(MalformedModels.Weights, w.ToSingleArray());
        }

        var x = Enumerable.Range(0, MalformedModels.WeightCount).Select(i => 1f - i).ToArray();
        using var session = new InferenceSession(path);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [MalformedModels.WeightCount]))]);
        var y = results.Single().AsEnumerable<float>().ToArray();
        for (var i = 0; i < y.Length; i++) Assert.Equal(x[i] + MalformedModels.Weights[i], y[i], 1e-6f);
    }

    [Fact]
    public void Subgraphs_nested_5_deep_load_and_run()
    {
        using var dir = new TempDir();
        var path = dir.File("nested.onnx");
        File.WriteAllBytes(path, MalformedModels.NestedIfModel(5));

        using (var model = Model.Load(path))
            Assert.Equal(5, model.Graph.AllGraphs().Max(g => g.Depth));

        float[] x = [1.5f, -2f, 0f, 4f];
        Assert.Equal(x, RunNested(path, x, cond: true));
        Assert.Equal(x.Select(v => -v), RunNested(path, x, cond: false));
    }

    [Fact]
    public void Subgraphs_nested_exactly_to_the_limit_load_and_round_trip()
    {
        // ONNX Runtime's own protobuf parser gives up at this depth, so only our reader and writer are checked here.
        using var dir = new TempDir();
        var path = dir.File("nested.onnx");
        File.WriteAllBytes(path, MalformedModels.NestedIfModel(MalformedModels.MaxSubgraphDepth));

        using var model = Model.Load(path);
        Assert.Equal(MalformedModels.MaxSubgraphDepth, model.Graph.AllGraphs().Max(g => g.Depth));
        var saved = dir.File("saved.onnx");
        model.Save(saved);
        using var reloaded = Model.Load(saved);
        Assert.Equal(model.ToBytes(), reloaded.ToBytes());
    }

    [Fact]
    public void The_subgraph_limit_is_an_option()
    {
        using var dir = new TempDir();
        var path = dir.File("nested.onnx");
        File.WriteAllBytes(path, MalformedModels.NestedIfModel(5));

        var e = Assert.Throws<ModelFormatException>(() => Model.Load(path, new ModelLoadOptions { MaxSubgraphDepth = 4 }).Dispose());
        Assert.Contains("limit of 4", e.Message, StringComparison.Ordinal);
        using var model = Model.Load(path, new ModelLoadOptions { MaxSubgraphDepth = 5 });
        Assert.Equal(5, model.Graph.AllGraphs().Max(g => g.Depth));
    }

    [Fact]
    public void Parse_names_the_in_memory_source_and_refuses_external_data_without_a_folder()
    {
        var cut = MalformedModels.ValidModelBytes()[..40];
        var e = Assert.Throws<ModelFormatException>(() => Model.Parse(cut).Dispose());
        Assert.Contains("<memory>", e.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);

        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(MalformedModels.WriteExternalModel(dir.Path, [MalformedModels.WeightCount], ("location", MalformedModels.WeightsFile)));
        e = Assert.Throws<ModelFormatException>(() => Model.Parse(bytes).Dispose());
        Assert.Contains("not loaded from a folder", e.Message, StringComparison.Ordinal);
    }

    private static float[] RunNested(string path, float[] x, bool cond)
    {
        using var session = new InferenceSession(path);
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("cond", new DenseTensor<bool>(new[] { cond }, [])),
            NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [x.Length])),
        ]);
        return results.Single().AsEnumerable<float>().ToArray();
    }
}
