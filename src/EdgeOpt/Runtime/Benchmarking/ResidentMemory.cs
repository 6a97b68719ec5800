using System.Globalization;
using System.Runtime.InteropServices;

namespace EdgeOpt.Runtime.Benchmarking;

/// <summary>
/// The process's resident set size now, and a sampler that records its peak over a span. The kernel's own high-water
/// mark (VmHWM, <c>Process.PeakWorkingSet64</c>) covers the whole process lifetime and cannot be reset, so a
/// per-model peak has to be sampled.
/// </summary>
internal static partial class ResidentMemory
{
    private const string Statm = "/proc/self/statm";
    private static readonly bool HasStatm = File.Exists(Statm);

    /// <summary>Resident bytes: <c>/proc/self/statm</c> on Linux (cheap), <see cref="Environment.WorkingSet"/> elsewhere.</summary>
    public static long Current()
    {
        if (!HasStatm) return Environment.WorkingSet;
        try
        {
            Span<char> buffer = stackalloc char[128];
            using var reader = new StreamReader(Statm);
            var length = reader.Read(buffer);
            var fields = buffer[..length];
            var space = fields.IndexOf(' ');
            var rest = fields[(space + 1)..];
            var end = rest.IndexOf(' ');
            var pages = long.Parse(end < 0 ? rest : rest[..end], NumberStyles.None, CultureInfo.InvariantCulture);
            return pages * Environment.SystemPageSize;
        }
        catch (IOException)
        {
            return Environment.WorkingSet;
        }
    }

    /// <summary>
    /// Hands memory the C allocator keeps after frees back to the OS (glibc's <c>malloc_trim</c>), so a model's resident
    /// growth is not hidden by pages an earlier model freed. A no-op where there is no glibc.
    /// </summary>
    public static void Trim()
    {
        if (!OperatingSystem.IsLinux() || !_canTrim) return;
        try
        {
            _ = NativeMethods.MallocTrim(0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _canTrim = false;
        }
    }

    private static bool _canTrim = true;

    /// <summary>Starts sampling on a background thread until disposed; <see cref="PeakSampler.Peak"/> is the highest value seen.</summary>
    public static PeakSampler StartSampling(TimeSpan interval) => new(interval);

    internal sealed class PeakSampler : IDisposable
    {
        private readonly Thread _thread;
        private readonly ManualResetEventSlim _stop = new();
        private readonly TimeSpan _interval;
        private long _peak;
        private bool _stopped;

        public PeakSampler(TimeSpan interval)
        {
            _interval = interval;
            _peak = Current();
            _thread = new Thread(Sample) { IsBackground = true, Name = "EdgeOpt memory sampler", Priority = ThreadPriority.AboveNormal };
            _thread.Start();
        }

        /// <summary>The highest resident set size seen so far (including a final reading once stopped).</summary>
        public long Peak => Interlocked.Read(ref _peak);

        public void Dispose()
        {
            if (_stopped) return;
            _stopped = true;
            _stop.Set();
            _thread.Join();
            Record(Current());
            _stop.Dispose();
        }

        private void Sample()
        {
            while (!_stop.Wait(_interval)) Record(Current());
        }

        private void Record(long value)
        {
            var seen = Interlocked.Read(ref _peak);
            while (value > seen)
            {
                var previous = Interlocked.CompareExchange(ref _peak, value, seen);
                if (previous == seen) return;
                seen = previous;
            }
        }
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc.so.6", EntryPoint = "malloc_trim")]
        internal static partial int MallocTrim(nuint pad);
    }
}
