using System.Text;
using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Targets;
using EdgeOpt.Tests.Transformer;

namespace EdgeOpt.Tests.Targets;

/// <summary>
/// The NNAPI and Core ML reports of the Android and iOS packages on four real models (ResNet18, the demo CNN, Silero VAD
/// legacy with its If subgraphs, MiniLM), pinned in Snapshots/provider-reports.txt: partitions, coverage, verdict and the
/// unsupported operators. A change in the support tables or the grouping shows up here as a readable diff.
/// </summary>
public sealed class ProviderReportSnapshotTests : IDisposable
{
    private static readonly string SnapshotPath = Path.Combine(AppContext.BaseDirectory, "Targets", "Snapshots", "provider-reports.txt");
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Reports_on_four_real_models_match_the_snapshot()
    {
        var demo = _dir.File("fashion-cnn.onnx");
        File.WriteAllBytes(demo, DemoAssets.ModelBytes());
        (string Name, string Path, string[] Ranges)[] models =
        [
            ("resnet18", Fixtures.ResNet18, []),
            ("demo", demo, ["input=1x1x28x28"]),
            ("demo-dynamic", demo, []),
            ("silero-vad-legacy", Fixtures.SileroVadLegacy, ["input=1x512"]),
            ("minilm", MiniLm.ModelPath, ["input_ids=1x128", "attention_mask=1x128", "token_type_ids=1x128"]),
        ];
        var actual = new StringBuilder();
        foreach (var (name, path, ranges) in models)
            foreach (var target in new[] { PackageTarget.Android, PackageTarget.Ios })
            {
                var package = Packager.Package(path, _dir.File($"{name}-{PackageTargets.Name(target)}"),
                    new PackageOptions { Target = target, ShapeRanges = [.. ranges.Select(ShapeRange.Parse)] });
                Assert.All(package.Checks, c => Assert.True(c.Passed, $"{name} {target}: {c.What}: {c.Detail}"));
                foreach (var report in package.Providers)
                {
                    actual.Append($"{name} | {report.Provider} | {report.Suitability.ToString().ToUpperInvariant()} | partitions [{string.Join(", ", report.PartitionSizes)}]");
                    actual.Append($" | {report.SupportedNodes}/{report.Nodes + report.NodesInSubgraphs} nodes ({report.NodesInSubgraphs} in subgraphs)");
                    var ops = report.Unsupported.GroupBy(u => u.OpType).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}×{g.Count()}");
                    actual.Append($" | unsupported: {string.Join(", ", ops)}\n");
                }
            }

        var expected = File.ReadAllText(SnapshotPath).ReplaceLineEndings("\n");
        if (expected != actual.ToString())
        {
            var received = Path.Combine(Path.GetTempPath(), "provider-reports.received.txt");
            File.WriteAllText(received, actual.ToString());
            Assert.Fail($"provider reports differ from {SnapshotPath}; the new ones are in {received}:\n{actual}");
        }
    }
}
