using EdgeOpt.Cli.Serving;

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
            .Where(BundleHeaders.IsContentAddressed)
            .ToList();
}
