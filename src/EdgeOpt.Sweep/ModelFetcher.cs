using System.Security.Cryptography;
using EdgeOpt.Deployment;

namespace EdgeOpt.Sweep;

/// <summary>
/// A worker's models when the sweep gives a URL for them (<c>edgeopt sweep --models-url</c>): fetched over HTTP once
/// per content hash into <c>$XDG_CACHE_HOME/edgeopt/sweep-models/SHA256.onnx</c> (<c>~/.cache</c> without it), verified
/// against the spec's <see cref="CandidateSpec.ModelSha256"/>, written atomically (a rename), so workers need no shared
/// file system and two slots fetching the same model at once both end with the same verified file.
/// </summary>
internal static class ModelFetcher
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(30) };

    /// <summary>The cached, verified copy of the model at <paramref name="url"/>; fetched when missing.</summary>
    /// <exception cref="InvalidOperationException">The fetch failed or the bytes are not the model's (the message names the URL and the hash).</exception>
    public static async Task<string> FetchAsync(Uri url, string sha256, CancellationToken cancellation)
    {
        var folder = Path.Combine(CacheRoot(), "edgeopt", "sweep-models");
        var path = Path.Combine(folder, sha256 + ".onnx");
        if (File.Exists(path)) return path;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{sha256}.{Guid.NewGuid():N}.part");
        try
        {
            string actual;
            try
            {
                using var response = await Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                await using (var source = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false))
                await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                    await source.CopyToAsync(target, cancellation).ConfigureAwait(false);
                await using var written = File.OpenRead(temp);
                actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(written, cancellation).ConfigureAwait(false));
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancellation.IsCancellationRequested)
            {
                throw new InvalidOperationException($"cannot fetch the model {url} (SHA-256 {sha256}): {e.Message.Split('\n')[0].Trim()}", e);
            }
            if (actual != sha256)
                throw new InvalidOperationException($"the model at {url} has SHA-256 {actual}, not the sweep's {sha256}: a different file is served there");
            File.Move(temp, path, overwrite: true);
            return path;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static string CacheRoot()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        return !string.IsNullOrEmpty(cache) && Path.IsPathRooted(cache)
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
    }
}
