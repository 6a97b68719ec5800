using EdgeOpt.Devices;

namespace EdgeOpt.Power;

/// <summary>
/// What running a model costs a device in energy, battery and heat. Every figure is <see cref="Provenance"/>
/// "estimated" from the model's per-node MACs and bytes and the device's published figures; the coefficients and their
/// sources are listed, fitted ones marked.
/// </summary>
public sealed record PowerReport
{
    /// <summary>Always <c>"estimated"</c>; measured figures come from <c>edgeopt benchmark --sustained</c> where sensors exist.</summary>
    public string Provenance => "estimated";

    /// <summary>The formula and where its inputs come from.</summary>
    public required string Method { get; init; }

    public required string DeviceId { get; init; }
    public required string DeviceName { get; init; }
    public required Precision Precision { get; init; }
    public required ComputeUnitKind Unit { get; init; }
    public required string UnitName { get; init; }
    public required long Macs { get; init; }

    /// <summary>The mode the headline figures are for.</summary>
    public required PowerModeKind Mode { get; init; }

    /// <summary>Latency, energy and power in <see cref="Mode"/>.</summary>
    public required ModeEstimate Selected { get; init; }

    /// <summary>Performance, balanced and battery-saver: the trade-off table.</summary>
    public required IReadOnlyList<ModeEstimate> Modes { get; init; }

    public required BatteryEstimate Battery { get; init; }
    public required ThermalEstimate Thermal { get; init; }

    /// <summary>Every coefficient used, with its source.</summary>
    public required IReadOnlyList<EnergyCoefficient> Coefficients { get; init; }

    /// <summary>The device's power figures' sources (field → source).</summary>
    public required IReadOnlyDictionary<string, string> DeviceSources { get; init; }
}
