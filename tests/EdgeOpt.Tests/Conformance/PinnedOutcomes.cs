using System.Text;

namespace EdgeOpt.Tests.Conformance;

/// <summary>
/// The exact set of suite models a conformance test is expected to judge (pass), pinned in a file under
/// Conformance/Expected/ so that a model silently turning into a skip fails the test instead of lowering a count.
/// A model passing that is not listed fails too, so the list stays exact; write the current set with
/// EDGEOPT_WRITE_PINNED_OUTCOMES=1 only after reading why it changed.
/// </summary>
internal static class PinnedOutcomes
{
    private static readonly string Folder = Path.Combine(SourceFolder(), "Conformance", "Expected");

    /// <summary>Compares <paramref name="actual"/> ("suite/model" names) with the pinned list; null when equal, else what differs.</summary>
    public static string? Compare(string listName, IEnumerable<string> actual)
    {
        var path = Path.Combine(Folder, listName + ".txt");
        var current = actual.ToHashSet(StringComparer.Ordinal);
        if (Environment.GetEnvironmentVariable("EDGEOPT_WRITE_PINNED_OUTCOMES") == "1")
            File.WriteAllLines(path, current.Order(StringComparer.Ordinal));
        if (!File.Exists(path))
            return $"pinned list missing: {path}";
        var pinned = File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);
        var lost = pinned.Except(current).Order(StringComparer.Ordinal).ToList();
        var gained = current.Except(pinned).Order(StringComparer.Ordinal).ToList();
        if (lost.Count == 0 && gained.Count == 0)
            return null;
        var sb = new StringBuilder($"{listName}: {current.Count} judged, {pinned.Count} pinned in {path}");
        if (lost.Count > 0)
            sb.Append($"\n  no longer judged ({lost.Count}): {string.Join(", ", lost.Take(40))}");
        if (gained.Count > 0)
            sb.Append($"\n  newly judged, add to the list ({gained.Count}): {string.Join(", ", gained.Take(40))}");
        return sb.ToString();
    }

    // The test assembly sits in tests/EdgeOpt.Tests/bin/<config>/<tfm>/; the pinned lists are source files.
    private static string SourceFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeOpt.Tests.csproj")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"EdgeOpt.Tests.csproj not found above {AppContext.BaseDirectory}");
    }
}
