namespace EdgeOpt.Pruning;

/// <summary>The output error of pruning one dependency group alone, by the same fraction, with every other group whole.</summary>
/// <param name="Group">The group's <see cref="ChannelGroupReport.Id"/>.</param>
/// <param name="Fraction">The fraction of its channels removed for the measurement.</param>
/// <param name="Cosine">Mean cosine similarity of the model's outputs against the unpruned model's (1 = identical).</param>
/// <param name="RelativeError">Mean ‖y − y₀‖ / ‖y₀‖ of the outputs.</param>
public sealed record GroupSensitivity(int Group, double Fraction, double Cosine, double RelativeError);
