namespace EdgeOpt.Power;

/// <summary>One coefficient of the energy model, with where it comes from.</summary>
/// <param name="Name">E.g. <c>"fp32 multiply"</c>.</param>
/// <param name="Value">The value in <paramref name="Unit"/>.</param>
/// <param name="Unit">E.g. <c>"pJ @ 45 nm"</c>.</param>
/// <param name="Source">The publication, or how it was derived; fitted ones name the anchors they were fitted on.</param>
/// <param name="Fitted">True when the value was fitted to published measurements rather than taken from a publication.</param>
public sealed record EnergyCoefficient(string Name, double Value, string Unit, string Source, bool Fitted = false);
