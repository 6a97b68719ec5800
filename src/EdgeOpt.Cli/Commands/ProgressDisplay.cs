using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>
/// Progress for long commands: a Spectre progress bar or status line on stderr when it is a terminal, nothing
/// otherwise (tests, pipes, CI), so stdout only ever holds the result.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Runs <paramref name="work"/> with a bar fed by its progress reports (stage, done, total; total 0 = unknown).</summary>
    public static T WithBar<TProgress, T>(CommandContext context, string title, Func<TProgress, (string Stage, int Done, int Total)> read,
        Func<IProgress<TProgress>?, T> work)
    {
        if (!context.Log.Profile.Capabilities.Ansi) return work(null);
        return context.Log.Progress().AutoClear(true).Start(progress =>
        {
            var task = progress.AddTask(Markup.Escape(title), maxValue: 1);
            task.IsIndeterminate = true;
            var value = work(new InlineProgress<TProgress>(report =>
            {
                var (stage, done, total) = read(report);
                task.Description = Markup.Escape($"{title}: {stage}");
                task.IsIndeterminate = total == 0;
                if (total > 0)
                {
                    task.MaxValue = total;
                    task.Value = done;
                }
            }));
            task.StopTask();
            return value;
        });
    }

    /// <summary>Runs work under a status line that shows its latest message.</summary>
    public static T WithStatus<T>(CommandContext context, string title, Func<IProgress<string>, T> work)
    {
        if (!context.Log.Profile.Capabilities.Ansi) return work(new InlineProgress<string>(_ => { }));
        return context.Log.Status().Start(Markup.Escape(title), status =>
            work(new InlineProgress<string>(message => status.Status(Markup.Escape(message)))));
    }
}

/// <summary>Reports on the calling thread (System.Progress would post to the thread pool, out of order).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
