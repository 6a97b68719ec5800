using EdgeOpt.Cli;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.Safety;

/// <summary>
/// A Hugging Face hub cache entry built from ResNet18: <c>blobs/&lt;sha256&gt;</c> holds the files, and
/// <c>snapshots/&lt;rev&gt;/model.onnx</c> and <c>model.onnx_data</c> are relative symlinks into <c>../../blobs/</c>, exactly as
/// <c>huggingface_hub.snapshot_download</c> leaves them. The model with external data is made by <c>edgeopt convert --external-data</c>.
/// </summary>
public sealed class HuggingFaceCacheTree : IDisposable
{
    private readonly TempDir _dir = new();

    public HuggingFaceCacheTree()
    {
        var staging = Directory.CreateDirectory(_dir.File("staging")).FullName;
        var converted = Path.Combine(staging, "model.onnx");
        var (code, _, err) = CliHarness.Run("convert", Fixtures.ResNet18, "-o", converted, "--external-data", "--external-data-location", "model.onnx_data");
        Assert.True(code == ExitCodes.Ok, err);

        Root = Directory.CreateDirectory(_dir.File("models--microsoft--resnet18")).FullName;
        Blobs = Directory.CreateDirectory(Path.Combine(Root, "blobs")).FullName;
        Snapshot = Directory.CreateDirectory(Path.Combine(Root, "snapshots", "0123456789abcdef0123456789abcdef01234567")).FullName;
        ModelBlob = MoveToBlob(converted);
        DataBlob = MoveToBlob(Path.Combine(staging, "model.onnx_data"));
        File.CreateSymbolicLink(Model, Path.Combine("..", "..", "blobs", Path.GetFileName(ModelBlob)));
        File.CreateSymbolicLink(Path.Combine(Snapshot, "model.onnx_data"), Path.Combine("..", "..", "blobs", Path.GetFileName(DataBlob)));
        Directory.Delete(staging);
    }

    public string Root { get; }
    public string Blobs { get; }
    public string Snapshot { get; }
    public string ModelBlob { get; }
    public string DataBlob { get; }

    /// <summary><c>snapshots/&lt;rev&gt;/model.onnx</c>, the path a user (or <c>snapshot_download</c>) gives.</summary>
    public string Model => Path.Combine(Snapshot, "model.onnx");

    /// <summary>A scratch folder outside the cache for outputs.</summary>
    public string Scratch => Directory.CreateDirectory(_dir.File("out")).FullName;

    private string MoveToBlob(string file)
    {
        var blob = Path.Combine(Blobs, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))));
        File.Move(file, blob);
        return blob;
    }

    public void Dispose() => _dir.Dispose();
}
