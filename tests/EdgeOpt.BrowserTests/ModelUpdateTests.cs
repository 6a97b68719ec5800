using System.Runtime.InteropServices;
using EdgeOpt.Onnx;
using EdgeOpt.Progressive;
using EdgeOpt.Web;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// A model update downloads only what changed: after one visit, the bundle is rebuilt in place from the model with one
/// initializer changed, and the reload fetches exactly the new package's files the old one lacks (the new graph and the
/// chunk holding that tensor); everything else comes from the page's verified cache.
/// </summary>
[Collection(Chromium.Collection)]
public sealed class ModelUpdateTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    // Measured max |WASM - native MLAS| on the demo's logits for the bundle's seeded random sample (larger logits than a
    // real image's): 1.5e-5 to 2.3e-5. 5e-4 absolute is a 20x margin; a wrong weight moves the logits by whole units.
    private const double LogitTolerance = 5e-4;

    [Fact]
    public async Task Reload_after_a_model_update_downloads_only_the_changed_chunks_and_the_new_graph()
    {
        using var work = new TempDir();
        var bundle = Path.Combine(work.Path, "web");
        var original = DemoModel.WriteTo(Directory.CreateDirectory(work.File("v1")).FullName);
        var options = DemoModel.ProgressiveOptions();
        WebBundler.Build(original, bundle, options);
        var oldPackage = work.File("old-model");
        CopyFolder(Path.Combine(bundle, WebBundler.ModelFolder), oldPackage);
        var oldManifest = ProgressiveManifest.Load(oldPackage);

        await using var served = await ServedFolder.StartAsync(bundle, output);
        await using var session = await chromium.OpenAsync(output);
        var before = (await BundlePage.OpenAsync(session.Page, served["index.html"])).ReadyOutput();

        var (updated, tensor) = ChangeLastLayerWeights(original, Directory.CreateDirectory(work.File("v2")).FullName);
        WebBundler.Build(updated, bundle, options with { Force = true });
        var newManifest = DemoModel.Manifest(bundle);
        var diff = PackageDiff.Compare(oldPackage, Path.Combine(bundle, WebBundler.ModelFolder));
        output.WriteLine($"changed '{tensor}': {diff.FilesToFetch.Count} of {newManifest.Chunks.Count + 1} files to fetch, {diff.BytesToFetch} of {diff.TotalBytes} bytes");
        Assert.Equal([tensor], diff.ChangedTensors);
        Assert.Equal(newManifest.Graph.File, diff.FilesToFetch[0]);
        Assert.Equal(2, diff.FilesToFetch.Count); // the graph and the one chunk holding the tensor
        served.ClearRequests();

        var page = await BundlePage.ReloadAsync(session.Page);

        var after = page.ReadyOutput();
        Assert.Equal(diff.FilesToFetch.Order(StringComparer.Ordinal), ModelDownloads.Delivered(served).Order(StringComparer.Ordinal));
        var stats = page.LoadStats!;
        var files = newManifest.Chunks.Count + 1;
        Assert.Equal(files, stats.Files);
        Assert.Equal(diff.FilesToFetch.Count, stats.Fetched);
        Assert.Equal(files - diff.FilesToFetch.Count, stats.CacheHits);
        Assert.Equal(diff.BytesToFetch, stats.BytesFetched);
        // The old graph and the old version of the changed chunk are dropped from the cache.
        var newFiles = newManifest.Chunks.Select(c => c.File).Append(newManifest.Graph.File).ToHashSet();
        Assert.Equal(oldManifest.Chunks.Select(c => c.File).Append(oldManifest.Graph.File).Count(f => !newFiles.Contains(f)), stats.Invalidated);

        var expected = NativeOrt.RunOnBundleSample(updated, bundle);
        Outputs.AssertClose(expected, after.Data, LogitTolerance, output);
        var moved = Outputs.MaxAbsDiff(before.Data, after.Data);
        output.WriteLine($"logits moved by up to {moved:F3} after the update");
        Assert.True(moved > 100 * LogitTolerance, $"the update should change the logits; they moved by {moved:E2} only");
        Assert.Empty(session.Errors);
    }

    /// <summary>
    /// Saves a copy of <paramref name="modelPath"/> whose last chunked weight (the last node's largest float initializer,
    /// so it lives in a chunk, not inline in the graph) is scaled by 1.5; returns the copy and the tensor's name.
    /// </summary>
    private static (string Path, string Tensor) ChangeLastLayerWeights(string modelPath, string folder)
    {
        using var model = Model.Load(modelPath);
        var weight = model.Graph.TopologicalOrder()
            .Reverse()
            .Select(node => node.Inputs
                .Where(v => v?.Initializer is { DataType: DataType.Float, ByteLength: >= 1024 })
                .MaxBy(v => v!.Initializer!.ByteLength))
            .First(v => v is not null)!;
        var values = weight.Initializer!.ToSingleArray();
        for (var i = 0; i < values.Length; i++) values[i] *= 1.5f;
        weight.Initializer.SetData(TensorData.FromMemory(MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
        var path = Path.Combine(folder, "fashion-cnn-updated.onnx");
        model.Save(path);
        return (path, weight.Name);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
