using EdgeOpt.Devices;

namespace EdgeOpt.Power;

/// <summary>
/// The energy model's coefficients. Arithmetic and on-chip memory energies are Horowitz's 45 nm figures (ISSCC 2014,
/// "Computing's energy problem (and what we can do about it)"), scaled to a device's process node; DRAM energy is a
/// mobile-DRAM figure; the per-unit overhead factors (instruction fetch, control, register files and everything else
/// a real processor spends around each arithmetic operation) are fitted to published measurements by
/// <see cref="PowerValidation"/> on at most half of its anchors, and say so.
/// </summary>
public static class EnergyCoefficients
{
    private const string Horowitz = "Horowitz, ISSCC 2014, 'Computing's energy problem', 45 nm table";

    /// <summary>Energy of one multiply-accumulate at 45 nm, pJ: the multiply plus the accumulating add.</summary>
    public static double MacPicojoules(Precision precision) => precision switch
    {
        Precision.Int8 => Int8Multiply + Int32Add,
        Precision.Fp16 => Fp16Multiply + Fp16Add,
        _ => Fp32Multiply + Fp32Add,
    };

    /// <summary>Energy of one add-class operation (elementwise ops, pooling, normalisation) at 45 nm, pJ.</summary>
    public static double AddPicojoules(Precision precision) => precision switch
    {
        Precision.Int8 => Int8Add,
        Precision.Fp16 => Fp16Add,
        _ => Fp32Add,
    };

    internal const double Int8Add = 0.03, Int8Multiply = 0.2, Int32Add = 0.1, Fp16Add = 0.4, Fp16Multiply = 1.1, Fp32Add = 0.9, Fp32Multiply = 3.7;

    /// <summary>On-chip SRAM, pJ per byte at 45 nm: Horowitz's ~5 pJ for a 32-bit read from a small SRAM, / 4.</summary>
    public const double SramPicojoulesPerByte = 5.0 / 4;

    /// <summary>DRAM, pJ per byte (not scaled by the SoC's node: the DRAM is its own chip).</summary>
    public const double DramPicojoulesPerByte = 40;

    /// <summary>The node Horowitz's figures are for.</summary>
    public const double ReferenceNodeNm = 45;

    /// <summary>
    /// Overhead factor per unit kind: the energy a processor spends per arithmetic operation over the bare operation's
    /// energy. Fitted (see <see cref="PowerValidation.Fit"/>): CPU on the RK3588S CPU anchor, GPU on the AGX Orin MaxQ
    /// SingleStream anchor, NPU on the Coral Edge TPU anchor.
    /// </summary>
    public static double Overhead(ComputeUnitKind kind) => kind switch
    {
        ComputeUnitKind.Cpu => CpuOverhead,
        ComputeUnitKind.Gpu => GpuOverhead,
        _ => NpuOverhead,
    };

    internal const double CpuOverhead = 171.1, GpuOverhead = 24.06, NpuOverhead = 5.355;

    /// <summary>Energy per operation scales with the process node: (node / 45 nm), first order.</summary>
    public static double NodeScale(double processNm) => processNm / ReferenceNodeNm;

    /// <summary>
    /// The generic voltage–frequency line (where a vendor publishes no voltages): V/Vmax = 0.6 + 0.4·f/fmax, i.e. 60 %
    /// of the top voltage at the lowest clocks.
    /// </summary>
    public static double VoltageScale(double clockScale) => VoltageFloor + ((1 - VoltageFloor) * Math.Clamp(clockScale, 0, 1));

    internal const double VoltageFloor = 0.6;

    /// <summary>Share of a unit's active power that is leakage, paid while it is powered (not gated) whether it computes or not.</summary>
    public const double LeakageShare = 0.25;

    /// <summary>Every coefficient with its source, for reports.</summary>
    public static IReadOnlyList<EnergyCoefficient> All { get; } =
    [
        new("int8 add", Int8Add, "pJ @ 45 nm", Horowitz),
        new("int8 multiply", Int8Multiply, "pJ @ 45 nm", Horowitz),
        new("int32 add (int8 MAC accumulate)", Int32Add, "pJ @ 45 nm", Horowitz),
        new("fp16 add", Fp16Add, "pJ @ 45 nm", Horowitz),
        new("fp16 multiply", Fp16Multiply, "pJ @ 45 nm", Horowitz),
        new("fp32 add", Fp32Add, "pJ @ 45 nm", Horowitz),
        new("fp32 multiply", Fp32Multiply, "pJ @ 45 nm", Horowitz),
        new("SRAM per byte", SramPicojoulesPerByte, "pJ @ 45 nm", Horowitz + ": 32-bit read from an 8 KB SRAM ~5 pJ, per byte"),
        new("DRAM per byte", DramPicojoulesPerByte, "pJ", "approx.: LPDDR4/LPDDR5 access including I/O ~5 pJ/bit (mobile DRAM class; Horowitz's 45 nm-era DDR3 figure, 1.3-2.6 nJ per 64-bit access, is ~4-8x higher); not scaled by the SoC's node"),
        new("process scaling", 1 / ReferenceNodeNm, "per nm", "assumption: energy per operation proportional to feature size (switched capacitance ~ L at a given voltage), node / 45 nm"),
        new("voltage floor", VoltageFloor, "x Vmax", "assumption: V/Vmax = 0.6 + 0.4 f/fmax where a vendor publishes no voltage table; dynamic energy scales with V^2 (P = C V^2 f)"),
        new("leakage share", LeakageShare, "x unit active power", "assumption: a quarter of a unit's published active power is leakage, paid while it is awake, scaling with V"),
        new("CPU overhead", CpuOverhead, "x arithmetic energy", "fitted on the MLPerf v3.0 Firefly RK3588S CPU anchor (PowerValidation)", Fitted: true),
        new("GPU overhead", GpuOverhead, "x arithmetic energy", "fitted on the MLPerf v3.0 Jetson AGX Orin MaxQ SingleStream anchor (PowerValidation)", Fitted: true),
        new("NPU overhead", NpuOverhead, "x arithmetic energy", "fitted on the Coral Edge TPU anchor: 4 TOPS at 2 W (PowerValidation)", Fitted: true),
    ];
}
