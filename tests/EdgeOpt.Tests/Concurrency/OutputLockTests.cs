namespace EdgeOpt.Tests.Concurrency;

/// <summary><see cref="OutputLock"/>: one holder per output at a time, kept outside the output's folder.</summary>
public sealed class OutputLockTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_second_holder_gets_the_lock_only_after_the_first_releases_it()
    {
        var output = _dir.File("package");
        var events = new List<string>();
        var first = OutputLock.Acquire(output);
        var second = new Thread(() =>
        {
            using (OutputLock.Acquire(output)) lock (events) events.Add("second acquired");
        });
        second.Start();
        // Whatever the scheduling, the second cannot get the lock before the first lets it go.
        Thread.Sleep(200);
        lock (events) events.Add("first released");
        first.Dispose();
        Assert.True(second.Join(TimeSpan.FromMinutes(1)));
        Assert.Equal(["first released", "second acquired"], events);
    }

    [Fact]
    public void Different_outputs_do_not_wait_for_each_other_and_nothing_is_added_next_to_them()
    {
        using (OutputLock.Acquire(_dir.File("a")))
        using (OutputLock.Acquire(_dir.File("b")))
        {
            Assert.NotEqual(OutputLock.PathFor(_dir.File("a")), OutputLock.PathFor(_dir.File("b")));
        }
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
        Assert.False(OutputLock.PathFor(_dir.File("a")).StartsWith(_dir.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void A_path_through_a_symlinked_folder_shares_the_lock_of_its_target()
    {
        var real = Directory.CreateDirectory(_dir.File("real")).FullName;
        var link = _dir.File("link");
        Directory.CreateSymbolicLink(link, real);
        Assert.Equal(OutputLock.PathFor(Path.Combine(real, "model.onnx")), OutputLock.PathFor(Path.Combine(link, "model.onnx")));
    }
}
