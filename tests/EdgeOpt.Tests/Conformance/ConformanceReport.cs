using System.Globalization;
using System.Text;

namespace EdgeOpt.Tests.Conformance;

/// <summary>Renders conformance results: a plain summary for the test output folder and the markdown for docs/benchmarks.md.</summary>
internal static class ConformanceReport
{
    public static string Summary(IReadOnlyList<ConformanceResult> results, TimeSpan elapsed)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"ONNX conformance round trip: {results.Count} models in {elapsed.TotalSeconds:F1} s");
        foreach (var (suite, pass, skip, fail) in Counts(results))
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {suite,-18} pass {pass,4}  skip {skip,4}  fail {fail,4}");
        foreach (var outcome in new[] { ConformanceOutcome.Fail, ConformanceOutcome.Skip })
        {
            var list = results.Where(r => r.Outcome == outcome).ToList();
            if (list.Count == 0) continue;
            sb.AppendLine(CultureInfo.InvariantCulture, $"{outcome} ({list.Count}):");
            foreach (var r in list) sb.AppendLine(CultureInfo.InvariantCulture, $"  {r.Suite}/{r.Model}: {r.Reason}");
        }
        return sb.ToString();
    }

    public static string Markdown(IReadOnlyList<ConformanceResult> results, string command, string machine)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| Suite folder | Models | Pass | Skip | Fail |");
        sb.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var (suite, pass, skip, fail) in Counts(results))
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {suite} | {pass + skip + fail} | {pass} | {skip} | {fail} |");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Produced by `{command}` on {machine}, {DateTime.UtcNow:yyyy-MM-dd}.");
        var skips = results.Where(r => r.Outcome != ConformanceOutcome.Pass).ToList();
        if (skips.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| Model | Outcome | Reason |");
            sb.AppendLine("|---|---|---|");
            foreach (var r in skips)
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Suite}/{r.Model} | {r.Outcome.ToString().ToLowerInvariant()} | {r.Reason.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }
        return sb.ToString();
    }

    private static IEnumerable<(string Suite, int Pass, int Skip, int Fail)> Counts(IReadOnlyList<ConformanceResult> results)
    {
        foreach (var suite in ConformanceSuite.Folders)
        {
            var inSuite = results.Where(r => r.Suite == suite).ToList();
            yield return (suite, Count(inSuite, ConformanceOutcome.Pass), Count(inSuite, ConformanceOutcome.Skip), Count(inSuite, ConformanceOutcome.Fail));
        }
        yield return ("**total**", Count(results, ConformanceOutcome.Pass), Count(results, ConformanceOutcome.Skip), Count(results, ConformanceOutcome.Fail));
    }

    private static int Count(IEnumerable<ConformanceResult> results, ConformanceOutcome outcome) => results.Count(r => r.Outcome == outcome);
}
