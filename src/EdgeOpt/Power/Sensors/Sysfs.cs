using System.Globalization;

namespace EdgeOpt.Power.Sensors;

/// <summary>
/// Reads sysfs attribute files under a root (normally <c>/</c>; tests point it at a temporary tree). Every read says why
/// it failed instead of throwing: on a real machine files vanish (hot-unplug), are root-only (RAPL since Linux 5.10) or
/// return EIO/ENODATA from a driver, and none of that may stop a benchmark.
/// </summary>
internal sealed class Sysfs(string root)
{
    public string Root { get; } = string.IsNullOrEmpty(root) ? "/" : root;

    /// <summary>The full path of <paramref name="relative"/> (e.g. <c>sys/class/powercap</c>) under the root.</summary>
    public string PathOf(string relative) => Path.Combine(Root, relative.TrimStart('/'));

    /// <summary>How a path is shown in messages: as the kernel names it, not the test tree's temp folder.</summary>
    public string Display(string fullPath)
    {
        var relative = Path.GetRelativePath(Root, fullPath);
        return relative.StartsWith("..", StringComparison.Ordinal) ? fullPath : "/" + relative.Replace('\\', '/');
    }

    /// <summary>Sub-folders of <paramref name="folder"/> whose names match <paramref name="pattern"/>, in natural order (cpu2 before cpu10).</summary>
    public static IReadOnlyList<string> Folders(string folder, string pattern)
    {
        try
        {
            if (!Directory.Exists(folder)) return [];
            // Sysfs class folders hold symlinks to devices; EnumerateDirectories follows them.
            return Directory.EnumerateDirectories(folder, pattern).OrderBy(Path.GetFileName, NaturalOrder.Instance).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>The trimmed text of an attribute file; null with <paramref name="problem"/> set when it cannot be read.</summary>
    public string? Text(string path, out string? problem)
    {
        problem = null;
        try
        {
            if (!File.Exists(path))
            {
                // A folder where a file should be reads as EACCES/EISDIR: report it as the permission problem it looks like.
                problem = Directory.Exists(path) ? $"permission denied reading {Display(path)}" : $"{Display(path)} does not exist";
                return null;
            }
            return File.ReadAllText(path).Trim();
        }
        catch (UnauthorizedAccessException)
        {
            problem = $"permission denied reading {Display(path)}";
        }
        catch (IOException e)
        {
            problem = $"cannot read {Display(path)}: {e.Message}";
        }
        return null;
    }

    public string? Text(string path) => Text(path, out _);

    /// <summary>An integer attribute (sysfs writes plain decimal); null when missing, unreadable or not a number.</summary>
    public long? Long(string path, out string? problem)
    {
        var text = Text(path, out problem);
        if (text is null) return null;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
        problem = $"{Display(path)} holds '{text}', not a number";
        return null;
    }

    public long? Long(string path) => Long(path, out _);

    /// <summary>Orders names by their text with digit runs compared as numbers.</summary>
    private sealed class NaturalOrder : IComparer<string?>
    {
        public static readonly NaturalOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null) return string.CompareOrdinal(x, y);
            int i = 0, j = 0;
            while (i < x.Length && j < y.Length)
            {
                if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
                {
                    var (si, sj) = (i, j);
                    while (i < x.Length && char.IsAsciiDigit(x[i])) i++;
                    while (j < y.Length && char.IsAsciiDigit(y[j])) j++;
                    var a = x[si..i].TrimStart('0');
                    var b = y[sj..j].TrimStart('0');
                    var byNumber = a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
                    if (byNumber != 0) return byNumber;
                    continue;
                }
                if (x[i] != y[j]) return x[i].CompareTo(y[j]);
                i++;
                j++;
            }
            return (x.Length - i).CompareTo(y.Length - j);
        }
    }
}
