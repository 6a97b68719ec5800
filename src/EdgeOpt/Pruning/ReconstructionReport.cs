namespace EdgeOpt.Pruning;

/// <summary>What training-free recovery (<see cref="PruningOptions.Reconstruct"/>) did, layer by layer.</summary>
/// <param name="Samples">Calibration samples used.</param>
/// <param name="BatchNormsRecalibrated">BatchNormalization nodes whose mean and variance were re-estimated.</param>
/// <param name="Layers">Each reconstructed consumer with its output error before and after.</param>
public sealed record ReconstructionReport(int Samples, int BatchNormsRecalibrated, IReadOnlyList<ReconstructedLayer> Layers)
{
    /// <summary>Consumers not refit, each with why (grouped Conv, a fit that would not lower the error, …).</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

/// <summary>One consumer whose weights were refit by least squares.</summary>
/// <param name="Node">The node, by display name.</param>
/// <param name="RelativeErrorBefore">‖Y_pruned − Y_original‖ / ‖Y_original‖ of its output on the calibration data before the refit.</param>
/// <param name="RelativeErrorAfter">The same after the refit.</param>
public sealed record ReconstructedLayer(string Node, double RelativeErrorBefore, double RelativeErrorAfter);
