using System.Security.Cryptography;
using System.Text;

namespace EdgeOpt;

/// <summary>
/// A lock between processes on one output path, held while its final renames are made, so two EdgeOpt processes writing
/// the same output take turns: each swap is whole (never one writer's model with the other's data files, never a folder
/// moved aside by both), and the second re-checks the output after the first's swap. The lock is an open file with
/// <see cref="FileShare.None"/> (an <c>flock</c> on Unix, released by the kernel when a holder dies) in a per-user folder
/// under the temp folder, named by a hash of the output's canonical path: nothing is ever added next to the user's files,
/// and lock files are never deleted (deleting one while a waiter has it open would let two holders in).
/// </summary>
internal sealed class OutputLock : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);
    private readonly FileStream? _stream;

    private OutputLock(FileStream? stream) => _stream = stream;

    /// <summary>How long <see cref="Acquire"/> waits for another process's swap (a swap is a few renames, so minutes means stuck).</summary>
    public static TimeSpan Wait { get; } = TimeSpan.FromMinutes(2);

    /// <summary>Takes the lock on <paramref name="output"/>, waiting while another process holds it.</summary>
    /// <exception cref="UsageException">The lock stayed held for <see cref="Wait"/>; nothing was written.</exception>
    public static OutputLock Acquire(string output)
    {
        string path;
        try
        {
            path = PathFor(output);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new OutputLock(null); // no usable temp folder: each rename is still atomic, only the turn-taking is lost
        }
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            try
            {
                return new OutputLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (UnauthorizedAccessException)
            {
                return new OutputLock(null);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Poll);
            }
            catch (IOException)
            {
                ThrowHelper.Usage($"output '{output}' is being written by another EdgeOpt process (its lock '{path}' was held for over {Wait.TotalMinutes:0} minutes); try again when it has finished");
            }
        }
    }

    /// <summary>The lock file for <paramref name="output"/>: one per canonical path (symlinks in its folder resolved).</summary>
    internal static string PathFor(string output)
    {
        var full = Path.GetFullPath(output);
        var canonical = Path.Combine(RealPaths.Resolve(Path.GetDirectoryName(full)!), Path.GetFileName(full));
        var folder = Path.Combine(Path.GetTempPath(), $"edgeopt-locks-{Environment.UserName}");
        if (!Directory.Exists(folder))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
            else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        return Path.Combine(folder, hash[..32] + ".lock");
    }

    public void Dispose() => _stream?.Dispose();
}
