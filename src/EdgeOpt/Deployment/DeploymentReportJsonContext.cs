using System.Text.Json.Serialization;

namespace EdgeOpt.Deployment;

/// <summary>Source-generated JSON for <c>report.json</c> (<see cref="DeploymentResult.ToJson"/>).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(DeploymentResult))]
internal sealed partial class DeploymentReportJsonContext : JsonSerializerContext;
