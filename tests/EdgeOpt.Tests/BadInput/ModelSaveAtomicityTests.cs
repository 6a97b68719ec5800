using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Serialization;

namespace EdgeOpt.Tests.BadInput;

/// <summary>Model.Save either replaces the target completely or leaves the folder exactly as it was.</summary>
public class ModelSaveAtomicityTests
{
    private static readonly byte[] PreviousModel = MalformedModels.ValidModelBytes();

    [Fact]
    public void Saving_into_a_missing_folder_creates_nothing()
    {
        using var dir = new TempDir();
        using var model = Model.Parse(MalformedModels.ValidModelBytes());
        var before = FolderSnapshot.Take(dir.Path);
        var target = Path.Combine(dir.Path, "no-such-folder", "model.onnx");

        var e = Assert.Throws<UsageException>(() => model.Save(target));

        Assert.Contains("no-such-folder", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        FolderSnapshot.Take(dir.Path).AssertUnchangedSince(before);
    }

    [Fact]
    public void External_data_that_vanished_before_saving_leaves_the_previous_target_untouched()
    {
        using var dir = new TempDir();
        var source = MalformedModels.WriteExternalModel(dir.Path, [MalformedModels.WeightCount], ("location", MalformedModels.WeightsFile));
        using var model = Model.Load(source); // weights stay lazy: nothing is read yet
        File.Delete(Path.Combine(Path.GetDirectoryName(source)!, MalformedModels.WeightsFile));
        var output = Directory.CreateDirectory(Path.Combine(dir.Path, "out")).FullName;
        var target = Path.Combine(output, "model.onnx");
        File.WriteAllBytes(target, PreviousModel);
        var before = FolderSnapshot.Take(output);

        var e = Assert.Throws<ModelFormatException>(() => model.Save(target, new ModelSaveOptions { ExternalData = true, ExternalDataThreshold = 16 }));

        Assert.Contains(MalformedModels.WeightsFile, e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
        FolderSnapshot.Take(output).AssertUnchangedSince(before);
    }

    [Fact]
    public void A_failure_after_temporaries_were_written_removes_them_and_keeps_the_previous_target()
    {
        using var dir = new TempDir();
        using var model = Model.Parse(MalformedModels.ValidModelBytes());
        var target = dir.File("model.onnx");
        File.WriteAllBytes(target, PreviousModel);
        // The data file's final name is taken by a folder: its temporary and the model's are both written, then the move fails.
        Directory.CreateDirectory(dir.File("blocked.data"));
        var before = FolderSnapshot.Take(dir.Path);

        var e = Record.Exception(() => model.Save(target, new ModelSaveOptions { ExternalData = true, ExternalDataThreshold = 16, ExternalDataLocation = "blocked.data" }));

        Assert.True(e is IOException or UnauthorizedAccessException, $"expected an I/O error, got {e?.GetType().Name}: {e?.Message}");
        FolderSnapshot.Take(dir.Path).AssertUnchangedSince(before);
    }

    [Fact]
    public void Saving_onto_a_folder_path_is_refused_before_external_data_is_replaced()
    {
        using var dir = new TempDir();
        using var model = Model.Parse(MalformedModels.ValidModelBytes());
        var target = Directory.CreateDirectory(dir.File("model.onnx")).FullName;
        File.WriteAllBytes(dir.File("model.onnx.data"), [1, 2, 3]);
        var before = FolderSnapshot.Take(dir.Path);

        var e = Assert.Throws<UsageException>(() => model.Save(target, new ModelSaveOptions { ExternalData = true, ExternalDataThreshold = 16 }));

        Assert.Contains("model.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains("folder", e.Message, StringComparison.Ordinal);
        FolderSnapshot.Take(dir.Path).AssertUnchangedSince(before);
    }

    [Fact]
    public void A_memory_mapped_model_can_be_saved_onto_its_own_path()
    {
        using var dir = new TempDir();
        var path = dir.File("resnet18.onnx");
        File.Copy(Fixtures.ResNet18, path);
        using var model = Model.Load(path);
        var expected = model.ToBytes();
        var someWeights = model.Graph.Initializers.First(v => v.Initializer!.ByteLength > 4096).Initializer!;
        var weightsBefore = someWeights.ToSingleArray();

        model.Save(path);

        Assert.Equal([path], Directory.GetFileSystemEntries(dir.Path));
        Assert.Equal(weightsBefore, someWeights.ToSingleArray()); // the old mapping is still intact
        using var reloaded = Model.Load(path);
        Assert.Equal(expected, reloaded.ToBytes());
    }

    [Fact]
    public void A_model_with_external_data_can_be_saved_onto_its_own_files()
    {
        using var dir = new TempDir();
        var path = MalformedModels.WriteExternalModel(dir.Path, [MalformedModels.WeightCount], ("location", MalformedModels.WeightsFile));
        var folder = Path.GetDirectoryName(path)!;
        using var model = Model.Load(path);
        var options = new ModelSaveOptions { ExternalData = true, ExternalDataThreshold = 16, ExternalDataLocation = MalformedModels.WeightsFile, ExternalDataAlignment = 64 };

        model.Save(path, options);

        Assert.DoesNotContain(Directory.GetFiles(folder), f => f.EndsWith(".tmp", StringComparison.Ordinal));
        Assert.Equal(MalformedModels.Weights, model.Graph.Initializers.Single().Initializer!.ToSingleArray());
        using var reloaded = Model.Load(path);
        var w = reloaded.Graph.Initializers.Single().Initializer!;
        Assert.Equal(MalformedModels.WeightsFile, w.External!.Location);
        Assert.Equal(MalformedModels.Weights, w.ToSingleArray());
    }
}
