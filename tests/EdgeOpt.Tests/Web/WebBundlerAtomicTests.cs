using EdgeOpt.Onnx;
using EdgeOpt.Web;

namespace EdgeOpt.Tests.Web;

/// <summary>Tests that set <see cref="OnnxRuntimeWeb.FolderVariable"/>: environment variables are process-wide, so these run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WebRuntimeEnvironmentCollection
{
    public const string Name = "web runtime environment";
}

/// <summary>A failing <see cref="WebBundler.Build"/> leaves nothing behind: no output, no temporary sibling, an old output intact.</summary>
[Collection(WebRuntimeEnvironmentCollection.Name)]
public sealed class WebBundlerAtomicTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Missing_runtime_files_fail_with_a_clear_error_and_write_nothing()
    {
        var model = WebTestKit.IdentityModel(_dir.Path, "tiny", DataType.Float, 1, 4);
        var empty = Directory.CreateDirectory(_dir.File("empty-runtime")).FullName;
        var output = _dir.File("web");

        var error = WithRuntimeFolder(empty, () => Assert.Throws<UsageException>(() => WebBundler.Build(model, output, new WebBundleOptions { Backend = WebBackend.WebGl })));

        Assert.Contains("ort.webgl.min.mjs", error.Message, StringComparison.Ordinal);
        Assert.Contains(empty, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.False(Directory.Exists(output));
        Assert.Empty(WebTestKit.TempSiblings(output));
    }

    [Fact]
    public void A_failure_while_writing_removes_the_temporary_folder_and_keeps_the_old_output()
    {
        var model = WebTestKit.IdentityModel(_dir.Path, "tiny", DataType.Float, 1, 4);
        // A dangling link passes the existence check, then the copy inside the temporary folder fails.
        var broken = Directory.CreateDirectory(_dir.File("broken-runtime")).FullName;
        File.CreateSymbolicLink(Path.Combine(broken, "ort.webgl.min.mjs"), Path.Combine(broken, "gone.mjs"));
        var output = _dir.File("web");
        WebBundler.Build(model, output, new WebBundleOptions { Backend = WebBackend.Wasm });
        var previous = WebTestKit.Tree(output);

        WithRuntimeFolder(broken, () => Assert.ThrowsAny<IOException>(() =>
            WebBundler.Build(model, output, new WebBundleOptions { Backend = WebBackend.WebGl, Force = true })));

        Assert.Equal(previous, WebTestKit.Tree(output));
        Assert.Empty(WebTestKit.TempSiblings(output));
    }

    private static T WithRuntimeFolder<T>(string folder, Func<T> action)
    {
        var previous = Environment.GetEnvironmentVariable(OnnxRuntimeWeb.FolderVariable);
        Environment.SetEnvironmentVariable(OnnxRuntimeWeb.FolderVariable, folder);
        try
        {
            return action();
        }
        finally
        {
            Environment.SetEnvironmentVariable(OnnxRuntimeWeb.FolderVariable, previous);
        }
    }
}
