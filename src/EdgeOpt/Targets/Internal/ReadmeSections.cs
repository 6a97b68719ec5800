using System.Text;

namespace EdgeOpt.Targets.Internal;

/// <summary>README parts every package has: what was verified where it was made, and what only the device can verify.</summary>
internal static class ReadmeSections
{
    public static void AppendChecks(StringBuilder text, PackageContext context)
    {
        text.Append("## Verified on the machine that made this package\n\n");
        foreach (var check in context.Checks) text.Append("- ").Append(check.Passed ? "✔ " : "✘ ").Append(check.What).Append(": ").Append(check.Detail).Append('\n');
        if (context.Checks.Count == 0) text.Append("- nothing could be run here (see the notes)\n");
        text.Append("\n## Only the device can verify\n\n");
        foreach (var item in context.DeviceOnly) text.Append("- ").Append(item).Append('\n');
        text.Append('\n');
    }
}
