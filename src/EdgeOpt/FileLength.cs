namespace EdgeOpt;

/// <summary>
/// The length of the file a path names, following symbolic links. <see cref="FileInfo.Length"/> on a symlink is the
/// link's own length (its target path), which is how a Hugging Face hub cache entry (<c>model.onnx -&gt; ../../blobs/&lt;sha&gt;</c>)
/// looked like a 25-byte truncated model.
/// </summary>
internal static class FileLength
{
    public static long Of(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null) return info.Length;
        var target = File.ResolveLinkTarget(path, returnFinalTarget: true);
        if (target is not FileInfo { Exists: true } file)
            throw new FileNotFoundException($"'{path}' is a symbolic link to '{info.LinkTarget}', which does not exist", path);
        return file.Length;
    }
}
