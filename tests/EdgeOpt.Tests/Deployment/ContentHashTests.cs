using EdgeOpt.Deployment;
using EdgeOpt.Devices;

namespace EdgeOpt.Tests.Deployment;

public sealed class ContentHashTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgeopt-hash-" + Guid.NewGuid().ToString("N"));

    public ContentHashTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Folder(string name, params (string File, string Text)[] files)
    {
        var folder = Path.Combine(_root, name);
        foreach (var (file, text) in files)
        {
            var path = Path.Combine(folder, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }
        return folder;
    }

    [Fact]
    public void A_file_hashes_to_the_SHA256_of_its_bytes()
    {
        var file = Path.Combine(_root, "a.bin");
        File.WriteAllText(file, "abc");
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ContentHash.OfFile(file));
        Assert.Equal(ContentHash.OfFile(file), ContentHash.OfData(file));
        Assert.Throws<FileNotFoundException>(() => ContentHash.OfFile(Path.Combine(_root, "missing")));
    }

    [Fact]
    public void A_folder_hash_follows_content_and_relative_names_not_where_the_folder_is()
    {
        var a = ContentHash.OfData(Folder("a", ("cat/1.png", "x"), ("dog/2.png", "y")));
        Assert.Equal(a, ContentHash.OfData(Folder("copy", ("dog/2.png", "y"), ("cat/1.png", "x"))));
        Assert.NotEqual(a, ContentHash.OfData(Folder("changed", ("cat/1.png", "x"), ("dog/2.png", "z"))));
        Assert.NotEqual(a, ContentHash.OfData(Folder("moved", ("dog/1.png", "x"), ("dog/2.png", "y"))));
        Assert.NotEqual(a, ContentHash.OfData(Folder("more", ("cat/1.png", "x"), ("dog/2.png", "y"), ("dog/3.png", ""))));
        // Boundaries are part of the hash: "ab" + "c" is not "a" + "bc".
        Assert.NotEqual(ContentHash.OfData(Folder("s1", ("1", "ab"), ("2", "c"))), ContentHash.OfData(Folder("s2", ("1", "a"), ("2", "bc"))));
        Assert.NotEqual(ContentHash.OfData("random:8"), ContentHash.OfData("random:9"));
    }

    [Fact]
    public void A_device_hash_tells_devices_and_custom_figures_apart_but_not_spellings()
    {
        Assert.Equal(ContentHash.OfDevice("pixel-7"), ContentHash.OfDevice("Google Pixel 7"));
        Assert.NotEqual(ContentHash.OfDevice("pixel-7"), ContentHash.OfDevice("pixel-8"));
        var custom = new CustomDevice { Platform = EdgePlatform.Android, Name = "Lab phone", MemoryGb = 8 };
        var path = Path.Combine(_root, "lab.json");
        File.WriteAllText(path, custom.ToJson());
        var given = ContentHash.OfDevice(path);
        Assert.Equal(ContentHash.OfDevice(custom.Resolve()), given);
        File.WriteAllText(path, (custom with { MemoryBandwidthGBps = 10 }).ToJson());
        Assert.NotEqual(given, ContentHash.OfDevice(path));
    }
}
