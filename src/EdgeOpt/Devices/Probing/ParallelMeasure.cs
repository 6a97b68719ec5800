using System.Diagnostics;

namespace EdgeOpt.Devices.Probing;

/// <summary>
/// Runs a micro-benchmark kernel on several dedicated threads at once and reports the combined rate. Threads are
/// released together by a barrier after their warm-up (JIT, first-touch of memory), and each keeps calling its chunk
/// until <c>duration</c> has passed, so the rate is the sum of per-thread rates over the same window.
/// </summary>
internal static class ParallelMeasure
{
    /// <param name="threads">How many threads run the kernel.</param>
    /// <param name="duration">How long each thread measures.</param>
    /// <param name="warmUp">Per-thread set-up, not timed.</param>
    /// <param name="chunk">One slice of work (a few milliseconds) on the given thread; returns the units it did.</param>
    /// <returns>Units per second, all threads together.</returns>
    public static double UnitsPerSecond(int threads, TimeSpan duration, Action<int> warmUp, Func<int, long> chunk)
    {
        var rates = new double[threads];
        using var barrier = new Barrier(threads);
        Exception? failure = null;
        var workers = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            var index = t;
            workers[t] = new Thread(() =>
            {
                try
                {
                    warmUp(index);
                    barrier.SignalAndWait();
                    long units = 0;
                    var clock = Stopwatch.StartNew();
                    do units += chunk(index);
                    while (clock.Elapsed < duration);
                    rates[index] = units / clock.Elapsed.TotalSeconds;
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                    barrier.RemoveParticipant();
                }
            })
            {
                IsBackground = true,
                Name = $"EdgeOpt host probe {index}",
            };
            workers[t].Start();
        }
        foreach (var worker in workers) worker.Join();
        if (failure is not null) throw new InvalidOperationException("host probe micro-benchmark failed: " + failure.Message, failure);
        return rates.Sum();
    }
}
