namespace EdgeOpt.Pruning;

/// <summary>Where a <see cref="Pruner"/> run is: a stage and units done of the total (0 when unknown).</summary>
/// <param name="Stage">What is happening (<c>analysing</c>, <c>scoring</c>, <c>sensitivity</c>, <c>pruning</c>, <c>reconstructing</c>, <c>checking</c>).</param>
/// <param name="Done">Units done in this stage.</param>
/// <param name="Total">Units in this stage (0 when unknown).</param>
public readonly record struct PruningProgress(string Stage, int Done, int Total);
