namespace EdgeOpt.Devices;

/// <summary>The names power modes go by on the command line, in reports and in CSS classes: performance, balanced, battery-saver.</summary>
public static class PowerModeNames
{
    /// <summary><c>"performance"</c>, <c>"balanced"</c> or <c>"battery-saver"</c>.</summary>
    public static string Of(PowerModeKind mode) => mode switch
    {
        PowerModeKind.BatterySaver => "battery-saver",
        PowerModeKind.Balanced => "balanced",
        _ => "performance",
    };
}
