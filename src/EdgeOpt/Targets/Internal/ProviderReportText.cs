using System.Text;

namespace EdgeOpt.Targets.Internal;

/// <summary>A provider report as Markdown for package READMEs: the checker's summary, options, unsupported nodes and advice.</summary>
internal static class ProviderReportText
{
    /// <summary>At most this many unsupported nodes are listed by name; the rest are counted per operator.</summary>
    public const int ListedNodes = 25;

    /// <param name="report">The checker's report.</param>
    /// <param name="optionsFile">The package file the chosen options are written to, named in their heading; null when none.</param>
    public static string Markdown(ProviderReport report, string? optionsFile = null)
    {
        var text = new StringBuilder();
        text.Append("### ").Append(report.Provider).Append(": ").Append(report.Suitability.ToString().ToUpperInvariant()).Append("\n\n");
        foreach (var line in report.Summary) text.Append(line).Append("\n\n");
        if (report.Options.Count > 0)
        {
            text.Append(optionsFile is null ? "Options chosen:\n\n" : $"Options chosen ({optionsFile}):\n\n");
            foreach (var (key, value) in report.Options) text.Append("- `").Append(key).Append("` = `").Append(value).Append("`\n");
            text.Append('\n');
        }
        if (report.Unsupported.Count > 0)
        {
            text.Append("Unsupported nodes (").Append(report.Unsupported.Count).Append("):\n\n");
            foreach (var node in report.Unsupported.Take(ListedNodes))
                text.Append("- `").Append(node.Node).Append("` (").Append(node.OpType).Append("): ").Append(node.Reason).Append('\n');
            if (report.Unsupported.Count > ListedNodes)
                text.Append("- … and ").Append(report.Unsupported.Count - ListedNodes).Append(" more: ")
                    .AppendJoin(", ", report.Unsupported.Skip(ListedNodes).GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                        .Select(g => $"{g.Key} ×{g.Count()}"))
                    .Append('\n');
            text.Append('\n');
        }
        foreach (var advice in report.Advice) text.Append("> ").Append(advice).Append("\n\n");
        text.Append("Support table: ").Append(report.TableSource).Append("\n\n");
        return text.ToString();
    }
}
