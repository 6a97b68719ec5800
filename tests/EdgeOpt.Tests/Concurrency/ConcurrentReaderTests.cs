using System.Security.Cryptography;
using EdgeOpt.Onnx;
using EdgeOpt.Tests.Safety;

namespace EdgeOpt.Tests.Concurrency;

/// <summary>
/// A model read over and over while another <c>edgeopt</c> process replaces it: every read is the old model or the new
/// one, whole (the replacement is a rename of a finished temp), never a half-written or mixed file.
/// </summary>
public sealed class ConcurrentReaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_model_replaced_by_another_process_reads_as_the_old_or_the_new_one()
    {
        string[][] variants = [[], ["--target-opset", "13"]];
        var references = variants.Select((extra, i) =>
        {
            var path = _dir.File($"reference{i}.onnx");
            var (code, _, err) = ConcurrentWriterTests.RunTogether(["optimize", Fixtures.ResNet18, "-o", path, .. extra])[0];
            Assert.True(code == 0, err);
            return Digest(File.ReadAllBytes(path));
        }).ToList();
        Assert.NotEqual(references[0], references[1]);

        var output = _dir.File("model.onnx");
        File.Copy(_dir.File("reference0.onnx"), output);
        var reads = 0;
        for (var round = 1; round <= 4; round++)
        {
            using var writer = CliProcess.Start(["optimize", Fixtures.ResNet18, "-o", output, .. variants[round % 2]]);
            // Read until the writer has exited, then once more: each read must be one whole reference.
            var done = false;
            while (!done)
            {
                done = writer.HasExited;
                var digest = Digest(File.ReadAllBytes(output));
                Assert.True(references.Contains(digest), $"round {round}, read {reads}: the model read matches neither the old nor the new one");
                reads++;
            }
            var (code, _, err) = writer.WaitForExit();
            Assert.True(code == 0, err);
            Assert.Equal(references[round % 2], Digest(File.ReadAllBytes(output)));
        }
        // At least one read per round is certain (the loop reads before it checks again); more is the usual case.
        Assert.True(reads >= 4, $"only {reads} reads");
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path, "*edgeopt-tmp*"));
        using var model = Model.Load(output);
        Assert.NotEmpty(model.Graph.Nodes);
    }

    private static string Digest(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}
