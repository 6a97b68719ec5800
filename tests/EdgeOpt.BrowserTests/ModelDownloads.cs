namespace EdgeOpt.BrowserTests;

/// <summary>What the server really delivered of a bundle's model package, whatever the browser's caches did.</summary>
internal static class ModelDownloads
{
    private const string ModelPrefix = "/model/";

    /// <summary>Names of the content-addressed model files (graph and chunks) answered with 200, in order.</summary>
    public static List<string> Delivered(ServedFolder served) =>
        served.Requests
            .Where(r => r.Status == 200 && r.Target.StartsWith(ModelPrefix, StringComparison.Ordinal))
            .Select(r => r.Target[ModelPrefix.Length..])
            .Where(IsContentAddressed)
            .ToList();

    /// <summary>True for <c>&lt;sha256 hex&gt;.ext</c>, the names the progressive packager gives the graph and its chunks.</summary>
    private static bool IsContentAddressed(string fileName)
    {
        var stem = Path.GetFileNameWithoutExtension(fileName);
        return stem.Length == 64 && Path.GetExtension(fileName).Length > 1 && stem.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
    }
}
