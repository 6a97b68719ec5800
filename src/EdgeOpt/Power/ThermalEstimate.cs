namespace EdgeOpt.Power;

/// <summary>
/// The first-order RC thermal model at the requested rate: temperature rises toward ambient + P·R with time constant τ.
/// </summary>
/// <param name="AmbientC">Room temperature.</param>
/// <param name="LimitC">The device's throttling temperature.</param>
/// <param name="ResistanceCPerW">Thermal resistance to ambient (given, or derived from the sustained power).</param>
/// <param name="TimeConstantS">τ.</param>
/// <param name="PowerW">Device power at the rate (baseline + model).</param>
/// <param name="SteadyStateC">Ambient + P·R.</param>
/// <param name="SecondsToLimit">When the limit is reached; null: never at this power.</param>
/// <param name="ThrottledLatencyMs">Latency once throttled to the power the device can hold (null: no throttling).</param>
/// <param name="MaxSustainedRatePerSecond">The highest rate that stays under the limit in the chosen mode.</param>
/// <param name="Recommendations">What keeps the model under the limit (lower rate, lower mode, INT8), each with its figure.</param>
public sealed record ThermalEstimate(double AmbientC, double LimitC, double ResistanceCPerW, double TimeConstantS, double PowerW, double SteadyStateC,
    double? SecondsToLimit, double? ThrottledLatencyMs, double MaxSustainedRatePerSecond, IReadOnlyList<string> Recommendations);
