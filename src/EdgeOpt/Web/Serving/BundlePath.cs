namespace EdgeOpt.Web.Serving;

/// <summary>
/// Maps a raw HTTP request target to a file inside the bundle, or refuses it. Works on the raw target (not the server's
/// already-normalized path) so that <c>..</c> segments are refused rather than silently folded away, and decodes
/// percent-escapes exactly once: a decoded path that still holds an escape (<c>%252e</c> → <c>%2e</c>) is refused, since a
/// second decoder further down could turn it into a traversal. Dotfiles and symbolic links leading out of the root are refused.
/// </summary>
internal static class BundlePath
{
    public const string IndexFile = "index.html";

    // Bounds symlink chains (and cycles) like the OS's ELOOP limit.
    private const int MaxLinkHops = 40;

    /// <summary>The real (symlink-free) path of a folder, or null when it cannot be resolved.</summary>
    public static string? RealFolder(string folder) => RealPath(Path.GetFullPath(folder));

    /// <summary>The file to serve for <paramref name="rawTarget"/> under <paramref name="realRoot"/>, or null (404).</summary>
    public static string? Resolve(string realRoot, string rawTarget)
    {
        if (PathOf(rawTarget) is not { } rawPath) return null;
        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(rawPath);
        }
        catch (UriFormatException)
        {
            return null;
        }
        if (StillEscaped(decoded) || decoded.AsSpan().IndexOfAny('\\', '\0', ':') >= 0) return null;

        var segments = decoded.Split('/');
        // segments[0] is the empty string before the leading '/'; a trailing '/' leaves one empty segment at the end.
        var names = new List<string>(segments.Length);
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0)
            {
                if (i == segments.Length - 1) break;
                return null; // "//": an absolute path smuggled in after the first slash
            }
            if (segment[0] == '.') return null; // ".", "..", and hidden files alike
            names.Add(segment);
        }

        var candidate = names.Count == 0 ? realRoot : Path.Join(realRoot, Path.Join([.. names]));
        var real = RealPath(candidate);
        if (real is null || !IsInside(realRoot, real)) return null;
        if (Directory.Exists(real))
        {
            real = RealPath(Path.Join(real, IndexFile));
            if (real is null || !IsInside(realRoot, real)) return null;
        }
        return File.Exists(real) ? real : null;
    }

    /// <summary>The path part of an origin-form (<c>/a/b?q</c>) or absolute-form (<c>http://host/a/b</c>) target.</summary>
    private static string? PathOf(string rawTarget)
    {
        var end = rawTarget.AsSpan().IndexOfAny('?', '#');
        var target = end >= 0 ? rawTarget[..end] : rawTarget;
        if (target.StartsWith('/')) return target;
        var scheme = target.IndexOf("://", StringComparison.Ordinal);
        if (scheme <= 0) return null; // authority-form or '*'
        var slash = target.IndexOf('/', scheme + 3);
        return slash < 0 ? "/" : target[slash..];
    }

    private static bool StillEscaped(string decoded)
    {
        for (var i = decoded.IndexOf('%'); i >= 0 && i + 2 < decoded.Length; i = decoded.IndexOf('%', i + 1))
            if (char.IsAsciiHexDigit(decoded[i + 1]) && char.IsAsciiHexDigit(decoded[i + 2])) return true;
        return false;
    }

    private static bool IsInside(string realRoot, string path) =>
        string.Equals(path, realRoot, StringComparison.Ordinal)
        || (path.StartsWith(realRoot, StringComparison.Ordinal)
            && (Path.EndsInDirectorySeparator(realRoot) || path[realRoot.Length] == Path.DirectorySeparatorChar));

    /// <summary>Like POSIX realpath: every symbolic link along the path replaced by its target; null on a loop or error.</summary>
    private static string? RealPath(string fullPath)
    {
        var hops = MaxLinkHops;
        return RealPath(fullPath, ref hops);
    }

    private static string? RealPath(string fullPath, ref int hops)
    {
        var current = Path.GetPathRoot(fullPath);
        if (string.IsNullOrEmpty(current)) return null;
        var rest = fullPath[current.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        foreach (var name in rest)
        {
            var next = Path.Join(current, name);
            string? target;
            try
            {
                target = new FileInfo(next).LinkTarget;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
            if (target is null)
            {
                current = next;
                continue;
            }
            if (--hops < 0) return null;
            // `current` is already real, so resolving the target's ".." lexically against it is exact.
            var resolved = RealPath(Path.GetFullPath(target, current), ref hops);
            if (resolved is null) return null;
            current = resolved;
        }
        return current;
    }
}
