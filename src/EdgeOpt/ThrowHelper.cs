using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace EdgeOpt;

/// <summary>
/// Keeps throw sites out of hot paths and messages consistent. [StackTraceHidden]: a trace starts at the code that
/// decided to throw, not here.
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn, StackTraceHidden]
    public static void ModelFormat(string message) => throw new ModelFormatException(message);

    [DoesNotReturn, StackTraceHidden]
    public static T ModelFormat<T>(string message) => throw new ModelFormatException(message);

    [DoesNotReturn, StackTraceHidden]
    public static void Unsupported(string message) => throw new UnsupportedOperatorException(message);

    [DoesNotReturn, StackTraceHidden]
    public static T Unsupported<T>(string message) => throw new UnsupportedOperatorException(message);

    [DoesNotReturn, StackTraceHidden]
    public static void Usage(string message) => throw new UsageException(message);

    [DoesNotReturn, StackTraceHidden]
    public static T Usage<T>(string message) => throw new UsageException(message);

    /// <summary>Throws <see cref="InvalidOptionsException"/> when <paramref name="problems"/> holds any.</summary>
    [StackTraceHidden]
    public static void IfInvalid(IReadOnlyList<OptionProblem> problems) => InvalidOptionsException.ThrowIfAny(problems);

    [DoesNotReturn, StackTraceHidden]
    public static void InvalidOperation(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn, StackTraceHidden]
    public static void Argument(string message, string paramName) => throw new ArgumentException(message, paramName);
}
