using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeOpt.Targets.Internal;

/// <summary>
/// <c>package.json</c>: the marker that makes a folder an EdgeOpt platform package (<c>format</c>) and the list of its
/// files with their hashes, plus what the package is and what was checked. No time stamps: same inputs, same bytes.
/// </summary>
internal sealed record PackageManifest
{
    public const string FileName = "package.json";
    public const string FormatName = "edgeopt-platform-package";

    [JsonPropertyOrder(-2)] public string Format { get; init; } = FormatName;
    [JsonPropertyOrder(-1)] public int Version { get; init; } = 1;
    public required string Target { get; init; }
    public string? Device { get; init; }
    public required string Precision { get; init; }
    public required string OnnxRuntimeVersion { get; init; }
    public required string EdgeOptVersion { get; init; }
    public required IReadOnlyList<PackagedFile> Files { get; init; }
    public required IReadOnlyList<ProviderReport> Providers { get; init; }
    public required IReadOnlyList<PackageCheck> Checks { get; init; }
    public required IReadOnlyList<string> DeviceOnly { get; init; }
    public required IReadOnlyList<string> Notes { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(PackageManifest))]
internal sealed partial class PackageManifestJsonContext : JsonSerializerContext
{
    /// <summary>As <see cref="Default"/>, but '+' and non-ASCII text written as themselves: the file is for people too.</summary>
    public static PackageManifestJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
