using System.Globalization;

namespace EdgeOpt.Cli.Commands;

/// <summary>Formatting shared by the package and bundle renderers: binary byte units and culture-invariant text.</summary>
internal static class Units
{
    /// <summary>1536 → "1.5 KiB"; below 1 KiB in bytes.</summary>
    public static string Bytes(long n) => n switch
    {
        >= 1 << 20 => F($"{n / 1048576.0:0.##} MiB"),
        >= 1 << 10 => F($"{n / 1024.0:0.##} KiB"),
        _ => F($"{n} B"),
    };

    public static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
