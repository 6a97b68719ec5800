using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeOpt.Progressive.Loading;

/// <summary>
/// Names of the <c>.part</c> files a download is written through before it is renamed into the cache:
/// <c>&lt;file&gt;.&lt;pid&gt;-&lt;random&gt;.part</c>, one per download, so two loaders (threads or processes) sharing a
/// cache folder never write into, truncate or delete each other's. A part whose process is gone is a leftover of a
/// killed load and is removed; a live process's part is left alone.
/// </summary>
internal static partial class CacheParts
{
    private const string Suffix = ".part";

    /// <summary>A fresh part name for <paramref name="file"/> (a plain name in the cache folder).</summary>
    public static string NameFor(string file) =>
        $"{file}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}{Suffix}";

    /// <summary>
    /// Removes, for each of <paramref name="files"/>, the parts dead processes left in <paramref name="cacheFolder"/>, and
    /// the single <c>&lt;file&gt;.part</c> of earlier versions. Best effort: what cannot be removed stays.
    /// </summary>
    public static void RemoveStale(string cacheFolder, IEnumerable<string> files)
    {
        var wanted = files.ToHashSet(StringComparer.Ordinal);
        string[] parts;
        try { parts = Directory.GetFiles(cacheFolder, "*" + Suffix); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var part in parts)
        {
            var name = Path.GetFileName(part);
            var match = Pattern().Match(name);
            var stale = match.Success
                ? wanted.Contains(match.Groups[1].Value) && int.TryParse(match.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                  && pid != Environment.ProcessId && !TempPaths.IsAlive(pid)
                : wanted.Contains(name[..^Suffix.Length]);
            if (!stale) continue;
            try { File.Delete(part); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    [GeneratedRegex(@"^(.+)\.([0-9]{1,10})-[0-9a-f]{32}\.part$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
