namespace EdgeOpt.Cli.Commands;

/// <summary>File sizes as reported to the user: a symlinked model (a Hugging Face hub cache entry) counts its target's bytes, not the link's.</summary>
internal static class FileSizes
{
    public static long Of(string path) =>
        File.ResolveLinkTarget(path, returnFinalTarget: true) is FileInfo { Exists: true } target ? target.Length : new FileInfo(path).Length;
}
