namespace EdgeOpt.Devices;

/// <summary>
/// What a device draws and how it heats, for the energy, battery and thermal models of <c>EdgeOpt.Power</c>. Each
/// figure carries its source in <see cref="Sources"/> (field name → public source, or "approx."/"assumption" with the
/// reasoning), as the rest of the catalogue does.
/// </summary>
public sealed record DevicePower
{
    // Absent lists in the catalogue JSON arrive as null from the source generator: keep them empty instead.
    private readonly IReadOnlyList<UnitPower> _units = [];
    private readonly IReadOnlyList<OperatingPoint> _modes = [];
    private readonly IReadOnlyDictionary<string, string> _sources = new Dictionary<string, string>();

    /// <summary>The SoC's process node in nm; per-operation energies (published at 45 nm) are scaled by it.</summary>
    public required double ProcessNm { get; init; }

    /// <summary>Whole device (or board, at the wall) idle power in watts: what it draws doing nothing.</summary>
    public required double IdleW { get; init; }

    /// <summary>
    /// The drain while the device is in use without the model (phones: screen on), in watts; battery life and the
    /// model's share of it are counted on top of this. Null: <see cref="IdleW"/>.
    /// </summary>
    public double? BaselineW { get; init; }

    /// <summary>Active (full-load) power per unit where published or measured.</summary>
    public IReadOnlyList<UnitPower> Units { get => _units; init => _units = value ?? []; }

    /// <summary>The temperature at which the device throttles, in °C (junction for boards, skin for phones).</summary>
    public required double ThermalLimitC { get; init; }

    /// <summary>Thermal time constant of the first-order RC model, in seconds.</summary>
    public required double ThermalTimeConstantS { get; init; }

    /// <summary>
    /// Thermal resistance to ambient in °C/W; null derives it from <see cref="EdgeDevice.SustainedPowerW"/>: the power
    /// the device holds at its limit in a 25 °C room, so R = (limit − 25) / sustained.
    /// </summary>
    public double? ThermalResistanceCPerW { get; init; }

    /// <summary>Vendor power modes (Jetson nvpmodel) as operating points; empty: the generic performance/balanced/battery-saver points.</summary>
    public IReadOnlyList<OperatingPoint> Modes { get => _modes; init => _modes = value ?? []; }

    /// <summary>Field name → public source (or the stated approximation / assumption).</summary>
    public IReadOnlyDictionary<string, string> Sources { get => _sources; init => _sources = value ?? new Dictionary<string, string>(); }

    /// <summary>The drain counted as the device's own, before any model: <see cref="BaselineW"/> or <see cref="IdleW"/>.</summary>
    public double EffectiveBaselineW => BaselineW ?? IdleW;
}

/// <summary>A unit's power at full load.</summary>
/// <param name="Kind">CPU, GPU or NPU.</param>
/// <param name="ActiveW">Its power under full load at the maximum clock, in watts (on top of the idle device).</param>
/// <param name="IdleW">Its own idle power when reported separately (null: included in the device's idle).</param>
public sealed record UnitPower(ComputeUnitKind Kind, double ActiveW, double? IdleW = null);

/// <summary>
/// A frequency/voltage operating point: the clock as a share of the maximum and the supply voltage as a share of the
/// maximum's (null: the generic voltage–frequency line of <c>EdgeOpt.Power</c>), with the power cap a vendor mode sets.
/// </summary>
/// <param name="Name">E.g. <c>"MAXN"</c>, <c>"30W"</c>.</param>
/// <param name="Mode">Which of performance, balanced, battery-saver this point serves as.</param>
/// <param name="ClockScale">Clock / maximum clock, in (0, 1] (the accelerators', and the CPU's unless <see cref="CpuClockScale"/> says otherwise).</param>
/// <param name="VoltageScale">Voltage / voltage at the maximum clock (null: from the generic line).</param>
/// <param name="PowerCapW">The mode's power budget in watts (null: none).</param>
public sealed record OperatingPoint(string Name, PowerModeKind Mode, double ClockScale, double? VoltageScale = null, double? PowerCapW = null)
{
    /// <summary>The CPU's clock share where the mode caps it differently from the accelerators (null: <see cref="ClockScale"/>).</summary>
    public double? CpuClockScale { get; init; }

    /// <summary>CPU cores the mode leaves online (null: all).</summary>
    public int? CpuCoresOnline { get; init; }
}

/// <summary>The three power modes every device is analysed in.</summary>
public enum PowerModeKind
{
    /// <summary>The maximum clock.</summary>
    Performance,

    /// <summary>A middle point.</summary>
    Balanced,

    /// <summary>The lowest clock offered.</summary>
    BatterySaver,
}
