using EdgeOpt.Cli;
using EdgeOpt.Progressive;
using EdgeOpt.Tests.BadInput;
using EdgeOpt.Tests.Cli;
using EdgeOpt.Tests.Progressive;
using EdgeOpt.Web;

namespace EdgeOpt.Tests.Safety;

/// <summary>
/// <c>--force</c> (progressive, web) replaces only an empty folder or an earlier EdgeOpt output holding nothing else; a folder
/// holding the model, an ancestor of it (also through a symlink) or files EdgeOpt did not write is refused with exit 2,
/// one line, and nothing touched: the input, the folder and a sibling file next to it all survive byte for byte.
/// </summary>
public sealed class ForceReplaceTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly string _model;
    private readonly string _sibling;

    public ForceReplaceTests()
    {
        // root/models/sub/m.onnx, root/models/notes.txt, root/keep.txt
        var sub = Directory.CreateDirectory(Path.Combine(_dir.Path, "models", "sub")).FullName;
        _model = PackagerModels.Mlp(sub, "m", layers: 2, width: 32);
        File.WriteAllText(Path.Combine(_dir.Path, "models", "notes.txt"), "my notes");
        _sibling = _dir.File("keep.txt");
        File.WriteAllText(_sibling, "a file next to the output folder");
    }

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Kinds => new() { "progressive", "web" };

    private static (int Code, string Out, string Err) Run(string kind, string model, string output, bool force = true)
    {
        string[] args = kind == "web" ? ["web", model, "-o", output, "--backend", "wasm"] : ["progressive", model, "-o", output];
        return CliHarness.Run(force ? [.. args, "--force"] : args);
    }

    private static void AssertRefused((int Code, string Out, string Err) result, string expected)
    {
        Assert.Contains(expected, CliHarness.UsageErrorLine(result), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_folder_holding_the_model_deeper_down_is_refused(string kind)
    {
        var before = FolderSnapshot.Take(_dir.Path);
        AssertRefused(Run(kind, _model, Path.Combine(_dir.Path, "models")), "contains the input model");
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_ancestor_of_the_model_is_refused(string kind)
    {
        var before = FolderSnapshot.Take(_dir.Path);
        AssertRefused(Run(kind, _model, _dir.Path), "contains the input model");
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_models_own_folder_is_refused(string kind)
    {
        var before = FolderSnapshot.Take(_dir.Path);
        AssertRefused(Run(kind, _model, Path.GetDirectoryName(_model)!), "the model's own folder");
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_ancestor_reached_through_a_symlink_is_refused(string kind)
    {
        // link -> root: link/models is root/models, which holds the model, though the two paths share no prefix.
        var link = _dir.File("link");
        Directory.CreateSymbolicLink(link, _dir.Path);
        var before = FolderSnapshot.Take(_dir.Path);
        AssertRefused(Run(kind, _model, Path.Combine(link, "models")), "contains the input model");
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_folder_with_files_EdgeOpt_did_not_write_is_refused(string kind)
    {
        var output = Directory.CreateDirectory(_dir.File("out")).FullName;
        File.WriteAllText(Path.Combine(output, "thesis.tex"), "years of work");
        var before = FolderSnapshot.Take(_dir.Path);
        AssertRefused(Run(kind, _model, output), "holds files EdgeOpt did not write");
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_foreign_marker_file_is_not_taken_for_EdgeOpts(string kind)
    {
        // A web app's manifest.json or another tool's bundle.json: same name, not EdgeOpt's format marker.
        var output = Directory.CreateDirectory(_dir.File("out")).FullName;
        File.WriteAllText(Path.Combine(output, "manifest.json"), """{ "name": "my app", "start_url": "/" }""");
        File.WriteAllText(Path.Combine(output, "bundle.json"), """{ "formatVersion": 1 }""");
        var before = FolderSnapshot.Take(_dir.Path);
        AssertRefused(Run(kind, _model, output), "was not written by EdgeOpt");
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_earlier_output_with_a_file_added_is_refused(string kind)
    {
        var output = _dir.File("out");
        Assert.Equal(ExitCodes.Ok, Run(kind, _model, output, force: false).Code);
        File.WriteAllText(Path.Combine(output, "added-by-hand.txt"), "keep me");
        var before = FolderSnapshot.Take(_dir.Path);
        AssertRefused(Run(kind, _model, output), "'added-by-hand.txt' is not part of the");
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(before);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_earlier_output_is_replaced_only_with_force_and_everything_else_survives(string kind)
    {
        var output = _dir.File("out");
        Assert.Equal(ExitCodes.Ok, Run(kind, _model, output, force: false).Code);
        var first = FolderSnapshot.Take(output);
        var modelsBefore = FolderSnapshot.Take(Path.Combine(_dir.Path, "models"));
        var siblingBefore = File.ReadAllText(_sibling);

        AssertRefused(Run(kind, _model, output, force: false), "use --force to replace it");
        var (code, _, err) = Run(kind, _model, output);

        Assert.True(code == ExitCodes.Ok, err);
        FolderSnapshot.Take(output).AssertUnchangedSince(first); // deterministic: the same package again
        FolderSnapshot.Take(Path.Combine(_dir.Path, "models")).AssertUnchangedSince(modelsBefore);
        Assert.Equal(siblingBefore, File.ReadAllText(_sibling));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path, ".out.*"));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void An_empty_folder_is_written_into_without_force(string kind)
    {
        var output = Directory.CreateDirectory(_dir.File("out")).FullName;
        var (code, _, err) = Run(kind, _model, output, force: false);
        Assert.True(code == ExitCodes.Ok, err);
        Assert.True(File.Exists(Path.Combine(output, kind == "web" ? WebBundler.ConfigFileName : ProgressivePackager.ManifestFileName)));
    }

    [Fact]
    public void The_library_refuses_the_same_folders_with_force()
    {
        var before = FolderSnapshot.Take(_dir.Path);
        var models = Path.Combine(_dir.Path, "models");

        var package = Assert.Throws<UsageException>(() => ProgressivePackager.Package(_model, models, new ProgressiveOptions { Force = true }));
        var bundle = Assert.Throws<UsageException>(() => WebBundler.Build(_model, _dir.Path, new WebBundleOptions { Force = true }));
        var foreign = Directory.CreateDirectory(_dir.File("foreign")).FullName;
        File.WriteAllText(Path.Combine(foreign, "data.csv"), "1,2,3");
        var snapshotWithForeign = FolderSnapshot.Take(_dir.Path);
        var packageForeign = Assert.Throws<UsageException>(() => ProgressivePackager.Package(_model, foreign, new ProgressiveOptions { Force = true }));
        var bundleForeign = Assert.Throws<UsageException>(() => WebBundler.Build(_model, foreign, new WebBundleOptions { Force = true }));

        Assert.Contains("contains the input model", package.Message, StringComparison.Ordinal);
        Assert.Contains("contains the input model", bundle.Message, StringComparison.Ordinal);
        Assert.Contains("'data.csv'", packageForeign.Message, StringComparison.Ordinal);
        Assert.Contains("'data.csv'", bundleForeign.Message, StringComparison.Ordinal);
        FolderSnapshot.Take(_dir.Path).AssertUnchangedSince(snapshotWithForeign);
        Assert.Equal(before.Entries.Count + 2, snapshotWithForeign.Entries.Count); // only foreign/ and its file were added
    }

    [Fact]
    public void The_markers_are_written_into_manifest_and_bundle()
    {
        var output = _dir.File("web");
        Assert.Equal(ExitCodes.Ok, Run("web", _model, output, force: false).Code);
        Assert.Contains($"\"format\": \"{ProgressiveManifest.FormatName}\"", File.ReadAllText(Path.Combine(output, "model", ProgressivePackager.ManifestFileName)), StringComparison.Ordinal);
        Assert.Contains("\"format\": \"edgeopt-web-bundle\"", File.ReadAllText(Path.Combine(output, WebBundler.ConfigFileName)), StringComparison.Ordinal);
    }
}
