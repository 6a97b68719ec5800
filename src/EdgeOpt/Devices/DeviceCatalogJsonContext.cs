using System.Text.Json.Serialization;

namespace EdgeOpt.Devices;

/// <summary>The shape of the embedded <c>Catalog/devices.json</c>.</summary>
internal sealed record DeviceCatalogDocument(IReadOnlyList<EdgeDevice> Devices);

/// <summary>Source-generated JSON for the device catalogue (the library is trimmable, so no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip)]
[JsonSerializable(typeof(DeviceCatalogDocument))]
internal sealed partial class DeviceCatalogJsonContext : JsonSerializerContext;
