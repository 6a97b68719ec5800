namespace EdgeOpt.Power.Sensors;

/// <summary>
/// One CPU's frequency in kHz (cpufreq): <paramref name="CurrentKHz"/> (<c>scaling_cur_freq</c>), the policy's cap
/// <paramref name="ScalingMaxKHz"/> (which thermal limits lower) and the hardware's <paramref name="HardwareMaxKHz"/>
/// (<c>cpuinfo_max_freq</c>).
/// </summary>
public sealed record CpuFrequency(int Cpu, long CurrentKHz, long? ScalingMaxKHz, long? HardwareMaxKHz)
{
    /// <summary>The highest frequency this CPU may reach: the hardware maximum, else the policy's.</summary>
    public long? MaxKHz => HardwareMaxKHz ?? ScalingMaxKHz;
}
