namespace EdgeOpt.Progressive.Loading;

/// <summary>A package in a local folder (a <c>file://</c> source).</summary>
internal sealed class FolderPackageSource : IPackageSource
{
    public FolderPackageSource(string folder)
    {
        if (!Directory.Exists(folder)) ThrowHelper.Usage($"package folder '{folder}' does not exist");
        LocalFolder = Path.GetFullPath(folder);
    }

    public string? LocalFolder { get; }

    public string Describe(string file) => Path.Combine(LocalFolder!, file);

    public Task<SourceResponse> OpenAsync(string file, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = Describe(file);
        // A missing file will not appear on retry: it is a broken package, not a transient failure.
        if (!File.Exists(path)) ThrowHelper.ModelFormat($"package '{LocalFolder}': the manifest lists '{file}' but the file does not exist");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        return Task.FromResult(new SourceResponse(stream, null));
    }

    public void Dispose() { }
}
