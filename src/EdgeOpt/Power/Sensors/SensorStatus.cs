namespace EdgeOpt.Power.Sensors;

/// <summary>
/// Whether one kind of sensor can be read here. <paramref name="Detail"/> says what was found when
/// <paramref name="Available"/>, else starts with <c>not available:</c> and gives the reason.
/// </summary>
public sealed record SensorStatus(SensorKind Kind, bool Available, string Detail)
{
    internal static SensorStatus Found(SensorKind kind, string detail) => new(kind, true, detail);

    internal static SensorStatus Missing(SensorKind kind, string reason) => new(kind, false, "not available: " + reason);
}
