namespace EdgeOpt.Power.Sensors;

/// <summary>
/// One RAPL powercap zone (<c>intel-rapl:0</c> package, <c>intel-rapl:0:0</c> core subzone, <c>psys</c> ...).
/// <paramref name="EnergyMicrojoules"/> is the raw counter (null when unreadable, see <paramref name="Problem"/>);
/// it wraps to zero past <paramref name="MaxEnergyRangeMicrojoules"/>.
/// </summary>
public sealed record RaplZone(string Id, string Name, bool IsSubzone, long? EnergyMicrojoules, long? MaxEnergyRangeMicrojoules, string? Problem)
{
    /// <summary>
    /// Microjoules between two readings of a counter that wraps at <paramref name="maxEnergyRangeMicrojoules"/>: when the
    /// counter went down it wrapped once, so the delta is (max − before) + after.
    /// </summary>
    public static long Delta(long before, long after, long maxEnergyRangeMicrojoules) =>
        after >= before ? after - before : maxEnergyRangeMicrojoules - before + after;
}
