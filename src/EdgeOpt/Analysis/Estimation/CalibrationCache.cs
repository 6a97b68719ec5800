using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeOpt.Analysis.Estimation;

/// <summary>
/// The calibration cache: one JSON file per host fingerprint (<c>host-calibration-HASH.json</c>) in the cache folder,
/// written to a temp sibling and moved into place. A file that does not parse, belongs to another fingerprint or holds a
/// figure that is not positive is ignored (and replaced by the next calibration).
/// </summary>
internal static class CalibrationCache
{
    private const int FormatVersion = 1;

    public static string DefaultDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "edgeopt");
    }

    public static string PathFor(string directory, string fingerprint) =>
        Path.Combine(directory, $"host-calibration-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)))[..16]}.json");

    /// <summary>The cached calibration for <paramref name="fingerprint"/>, or null when absent or unusable.</summary>
    public static HostCalibration? TryRead(string path, string fingerprint)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var file = JsonSerializer.Deserialize(File.ReadAllText(path), CalibrationCacheJsonContext.Default.CalibrationCacheFile);
            if (file is not { Format: FormatVersion, Calibration: { } calibration } || calibration.Fingerprint != fingerprint) return null;
            return IsUsable(calibration) ? calibration with { FromCache = true, CachePath = path } : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException or InvalidOperationException)
        {
            return null;
        }
    }

    public static void Write(string path, HostCalibration calibration)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllText(temp, JsonSerializer.Serialize(new CalibrationCacheFile(FormatVersion, calibration), CalibrationCacheJsonContext.Default.CalibrationCacheFile));
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static bool IsUsable(HostCalibration c) =>
        c.Points is { Count: > 0 } && c.Points.All(p => p is { Threads: >= 1, GopsByOpClass.Count: > 0 }
            && p.GopsByOpClass.Values.All(g => g > 0 && double.IsFinite(g))
            && p.BandwidthGBps > 0 && double.IsFinite(p.BandwidthGBps)
            && p.NodeOverheadUs >= 0 && double.IsFinite(p.NodeOverheadUs) && p.RunOverheadUs >= 0 && double.IsFinite(p.RunOverheadUs));
}

/// <summary>The cache file's shape: a format version and the calibration.</summary>
internal sealed record CalibrationCacheFile(int Format, HostCalibration Calibration);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(CalibrationCacheFile))]
internal sealed partial class CalibrationCacheJsonContext : JsonSerializerContext;
