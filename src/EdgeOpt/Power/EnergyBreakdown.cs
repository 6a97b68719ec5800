namespace EdgeOpt.Power;

/// <summary>
/// Energy of one inference (per item when batched) split by where it goes, in joules. Estimated, never measured:
/// see <see cref="PowerReport.Method"/>.
/// </summary>
/// <param name="ComputeJ">Arithmetic: MACs and other operations × energy per operation at the precision, the unit's overhead factor, the process node and voltage.</param>
/// <param name="DataMovementJ">Bytes from DRAM and through on-chip memory × energy per byte.</param>
/// <param name="LeakageJ">The unit's leakage while it is awake for the inference (a share of its published active power × time; zero where none is published).</param>
/// <param name="IdleJ">The device's idle power × the inference time (what it burns just being on).</param>
public sealed record EnergyBreakdown(double ComputeJ, double DataMovementJ, double LeakageJ, double IdleJ)
{
    /// <summary>All of it: what a meter at the wall would see for the inference.</summary>
    public double TotalJ => ComputeJ + DataMovementJ + LeakageJ + IdleJ;

    /// <summary>What the model adds over the device being on anyway (all but idle).</summary>
    public double ModelJ => ComputeJ + DataMovementJ + LeakageJ;
}
