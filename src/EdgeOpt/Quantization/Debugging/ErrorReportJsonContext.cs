using System.Text.Json.Serialization;

namespace EdgeOpt.Quantization.Debugging;

/// <summary>
/// Source-generated JSON for <see cref="QuantizationErrorReport"/> (the library is trimmable, so no reflection).
/// Named float literals let an error-free tensor's infinite SQNR through as <c>"Infinity"</c>.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(QuantizationErrorReport))]
internal sealed partial class ErrorReportJsonContext : JsonSerializerContext;
