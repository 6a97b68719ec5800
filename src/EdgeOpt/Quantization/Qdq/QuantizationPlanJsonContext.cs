using System.Text.Json.Serialization;

namespace EdgeOpt.Quantization.Qdq;

/// <summary>Source-generated JSON for <see cref="QuantizationPlan"/> (the library is trimmable, so no reflection).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(QuantizationPlan))]
internal sealed partial class QuantizationPlanJsonContext : JsonSerializerContext;
