using System.Security.Cryptography;
using EdgeOpt.Progressive;
using EdgeOpt.Tests.Safety;

namespace EdgeOpt.Tests.Concurrency;

/// <summary>
/// Two real <c>edgeopt</c> processes writing the same output at the same moment, a few rounds each: afterwards the
/// output is one writer's whole output, never a mix; each process succeeded or failed with one error line; no temps.
/// </summary>
public sealed class ConcurrentWriterTests : IDisposable
{
    private const int Rounds = 3;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Two_progressive_writers_into_one_folder_leave_one_whole_package()
    {
        var output = _dir.File("package");
        for (var round = 0; round < Rounds; round++)
        {
            // Different chunk sizes: the two packages share no chunk file, so a mix would show.
            string[] force = round == 0 ? [] : ["--force"];
            var results = RunTogether(
                ["progressive", Fixtures.ResNet18, "-o", output, "--chunk-size", "1MiB", .. force],
                ["progressive", Fixtures.ResNet18, "-o", output, "--chunk-size", "4MiB", .. force]);

            foreach (var r in results) AssertSucceededOrOneErrorLine(r);
            if (round == 0)
            {
                // Both checked an absent folder at the start; the second to finish must see the first's package and refuse.
                Assert.Single(results, r => r.Code == 0);
                Assert.Contains("use --force", results.Single(r => r.Code != 0).Err, StringComparison.Ordinal);
            }
            else Assert.All(results, r => Assert.Equal(0, r.Code));

            var manifest = ProgressiveManifest.Load(output, verify: true);
            Assert.Contains(manifest.ChunkSize, new long[] { 1 << 20, 4 << 20 });
            var listed = manifest.Chunks.Select(c => c.File).Append(manifest.Graph.File).Append("manifest.json").Order(StringComparer.Ordinal);
            Assert.Equal(listed, Directory.GetFiles(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            AssertNoTemps();
        }
    }

    [Fact]
    public void Two_writers_of_one_model_with_external_data_leave_one_writers_files()
    {
        // References first, each written alone: the shared output must equal one of them file for file.
        string[] small = ["--external-data"];
        string[] large = ["--external-data", "--external-data-threshold", "1000000"];
        var references = new[] { small, large }.Select((extra, i) =>
        {
            var folder = Directory.CreateDirectory(_dir.File($"reference{i}")).FullName;
            var (code, _, err) = RunTogether(["optimize", Fixtures.ResNet18, "-o", Path.Combine(folder, "model.onnx"), .. extra])[0];
            Assert.True(code == 0, err);
            return Digests(folder);
        }).ToList();
        Assert.NotEqual(references[0], references[1]);

        var shared = Directory.CreateDirectory(_dir.File("shared")).FullName;
        var output = Path.Combine(shared, "model.onnx");
        for (var round = 0; round < Rounds; round++)
        {
            var results = RunTogether(["optimize", Fixtures.ResNet18, "-o", output, .. small], ["optimize", Fixtures.ResNet18, "-o", output, .. large]);

            foreach (var r in results) AssertSucceededOrOneErrorLine(r);
            Assert.Contains(results, r => r.Code == 0);
            var written = Digests(shared);
            // A data file the other writer left may remain beside the model (it is EdgeOpt's, named for the model); the
            // files the model refers to must all be one writer's.
            Assert.True(references.Any(reference => reference.All(f => written.TryGetValue(f.Key, out var d) && d == f.Value)),
                $"round {round}: the output is a mix of the two writers: {string.Join(", ", written.Select(f => $"{f.Key}={f.Value[..8]}"))}");
            AssertNoTemps();
        }
    }

    /// <summary>Starts every command at once and waits for all: (exit code, stdout, stderr) in order.</summary>
    internal static (int Code, string Out, string Err)[] RunTogether(params string[][] commands)
    {
        var processes = commands.Select(c => CliProcess.Start(c)).ToList();
        try
        {
            return [.. processes.Select(p => p.WaitForExit())];
        }
        finally
        {
            foreach (var p in processes) p.Dispose();
        }
    }

    internal static void AssertSucceededOrOneErrorLine((int Code, string Out, string Err) result)
    {
        if (result.Code == 0) return;
        var line = Assert.Single(result.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain(" at EdgeOpt.", line, StringComparison.Ordinal);
    }

    private void AssertNoTemps() =>
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path, "*edgeopt-tmp*", SearchOption.AllDirectories));

    private static Dictionary<string, string> Digests(string folder) =>
        Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal);
}
