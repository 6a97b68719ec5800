using System.Text.Json.Serialization;

namespace EdgeOpt.Progressive;

/// <summary>Source-generated JSON for the manifest (the library is trimmable).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ProgressiveManifest))]
internal sealed partial class ProgressiveManifestJsonContext : JsonSerializerContext;
