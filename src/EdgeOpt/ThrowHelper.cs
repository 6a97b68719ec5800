using System.Diagnostics.CodeAnalysis;

namespace EdgeOpt;

/// <summary>Keeps throw sites out of hot paths and messages consistent.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ModelFormat(string message) => throw new ModelFormatException(message);

    [DoesNotReturn]
    public static T ModelFormat<T>(string message) => throw new ModelFormatException(message);

    [DoesNotReturn]
    public static void Unsupported(string message) => throw new UnsupportedOperatorException(message);

    [DoesNotReturn]
    public static void Usage(string message) => throw new UsageException(message);

    [DoesNotReturn]
    public static T Usage<T>(string message) => throw new UsageException(message);

    [DoesNotReturn]
    public static void InvalidOperation(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn]
    public static void Argument(string message, string paramName) => throw new ArgumentException(message, paramName);
}
