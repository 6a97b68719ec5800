using System.Globalization;
using System.Text;

namespace EdgeOpt.Tests.Optimization;

/// <summary>Renders the optimizer conformance proof: counts per variant, as plain text and as markdown for docs/benchmarks.md.</summary>
internal static class OptimizerConformanceReport
{
    public static string Summary(IReadOnlyList<VariantResult> results, IReadOnlyList<string> variants, int models, TimeSpan elapsed)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Optimizer conformance: {variants.Count} variants × {models} models in {elapsed.TotalSeconds:F1} s");
        foreach (var row in Rows(results, variants))
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"  {row.Variant,-32} changed+verified {row.Changed,4}  unchanged {row.Unchanged,4}  skip {row.Skip,4}  fail {row.Fail,4}");
        var notable = results.Where(r => r.Outcome == VariantOutcome.Fail || (r.Outcome == VariantOutcome.Pass && r.Reason.Length > 0)).ToList();
        if (notable.Count > 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"Failures and notes ({notable.Count}):");
            foreach (var r in notable) sb.AppendLine(CultureInfo.InvariantCulture, $"  {r}");
        }
        var skipReasons = results.Where(r => r.Outcome == VariantOutcome.Skip).DistinctBy(r => (r.Suite, r.Model)).ToList();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Models ORT cannot judge ({skipReasons.Count}):");
        foreach (var r in skipReasons) sb.AppendLine(CultureInfo.InvariantCulture, $"  {r.Suite}/{r.Model}: {r.Reason}");
        return sb.ToString();
    }

    public static string Markdown(IReadOnlyList<VariantResult> results, IReadOnlyList<string> variants, int models, string command, string machine, TimeSpan elapsed)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| Pass / variant | Changed and verified | Unchanged | Skip | Fail |");
        sb.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var row in Rows(results, variants))
            sb.AppendLine(CultureInfo.InvariantCulture, $"| `{row.Variant}` | {row.Changed} | {row.Unchanged} | {row.Skip} | {row.Fail} |");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"{models} models, {variants.Count} variants, {elapsed.TotalSeconds:F0} s. Produced by `{command}` on {machine}, {DateTime.UtcNow:yyyy-MM-dd}.");
        var failures = results.Where(r => r.Outcome == VariantOutcome.Fail).ToList();
        if (failures.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| Variant | Model | Failure |");
            sb.AppendLine("|---|---|---|");
            foreach (var r in failures)
                sb.AppendLine(CultureInfo.InvariantCulture, $"| `{r.Variant}` | {r.Suite}/{r.Model} | {r.Reason.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }
        return sb.ToString();
    }

    private static IEnumerable<(string Variant, int Changed, int Unchanged, int Skip, int Fail)> Rows(IReadOnlyList<VariantResult> results, IReadOnlyList<string> variants)
    {
        foreach (var variant in variants)
        {
            var mine = results.Where(r => r.Variant == variant).ToList();
            yield return (variant, Count(mine, VariantOutcome.Pass), Count(mine, VariantOutcome.Unchanged), Count(mine, VariantOutcome.Skip), Count(mine, VariantOutcome.Fail));
        }
    }

    private static int Count(List<VariantResult> results, VariantOutcome outcome) => results.Count(r => r.Outcome == outcome);
}
