namespace EdgeOpt;

/// <summary>Canonical paths without opening files: used to keep external data inside a model's folder and outputs away from inputs.</summary>
internal static class RealPaths
{
    /// <summary>Resolves every symlink along a path without opening the file (lstat only).</summary>
    public static string Resolve(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath) ?? "/";
        var pending = new Stack<string>(fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = root;
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? root;
                continue;
            }
            var candidate = Path.Combine(current, part);
            string? target = null;
            try
            {
                target = new FileInfo(candidate).LinkTarget;
            }
            catch (IOException)
            {
                // Not a link or not accessible: treat as a plain component.
            }
            if (target is null)
            {
                current = candidate;
                continue;
            }
            if (++hops > 40) ThrowHelper.ModelFormat($"too many symbolic links resolving '{fullPath}'");
            if (Path.IsPathRooted(target)) current = Path.GetPathRoot(target) ?? root;
            var targetRoot = Path.IsPathRooted(target) ? Path.GetPathRoot(target)!.Length : 0;
            foreach (var p in target[targetRoot..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
                pending.Push(p);
        }
        return current;
    }
}
