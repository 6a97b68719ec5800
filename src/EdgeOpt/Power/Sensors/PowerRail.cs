namespace EdgeOpt.Power.Sensors;

/// <summary>One INA3221 channel on a Jetson board: the rail's name (e.g. <c>VDD_IN</c>, <c>POM_5V_GPU</c>) and its power now.</summary>
public sealed record PowerRail(string Name, double Watts);
