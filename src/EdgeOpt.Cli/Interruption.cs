using System.Runtime.InteropServices;

namespace EdgeOpt.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM while a command runs: every temporary file and folder in progress is removed
/// (<see cref="PendingWrites.Abort"/>), one line "interrupted; nothing written" goes to stderr, and the process exits
/// 130 (SIGINT) or 143 (SIGTERM), the shell's codes for those signals.
/// </summary>
internal sealed class Interruption : IDisposable
{
    public const string Message = "interrupted; nothing written";
    
    private static int _interrupted;
    private readonly TextWriter _error;
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;

    private Interruption(TextWriter error)
    {
        _error = error;
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    /// <summary>Whether a signal arrived: the handler is exiting the process, so the command must not report anything else.</summary>
    public static bool Interrupted => Volatile.Read(ref _interrupted) != 0;

    /// <summary>Handles the two signals until disposed.</summary>
    public static Interruption Install(TextWriter error) => new(error);

    /// <summary>Parks the calling thread while the signal handler finishes and exits the process.</summary>
    public static void WaitForExit() => Thread.Sleep(Timeout.Infinite);

    private void Handle(PosixSignalContext signal)
    {
        signal.Cancel = true; // exit with our own code once the temps are gone
        if (Interlocked.Exchange(ref _interrupted, 1) != 0) return;
        PendingWrites.Abort();
        _error.WriteLine(Message);
        _error.Flush();
        Environment.Exit(signal.Signal == PosixSignal.SIGINT ? ExitCodes.Interrupted : ExitCodes.Terminated);
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
    }
}
