using EdgeOpt.Onnx;
using EdgeOpt.Runtime;

namespace EdgeOpt.Pruning;

/// <summary>The pruned model (owned: dispose it) and what was done to it.</summary>
public sealed class PruningResult : IDisposable
{
    /// <summary>The pruned model, already run by ONNX Runtime against the original (<see cref="Fidelity"/>).</summary>
    public required Model Model { get; init; }

    /// <summary>The options the pruner ran with.</summary>
    public required PruningOptions Options { get; init; }

    public required long MacsBefore { get; init; }
    public required long MacsAfter { get; init; }

    /// <summary>MacsAfter / MacsBefore.</summary>
    public double MacRatio => MacsBefore == 0 ? 1 : (double)MacsAfter / MacsBefore;

    public required long ParametersBefore { get; init; }
    public required long ParametersAfter { get; init; }

    /// <summary>Serialized model size before and after, in bytes.</summary>
    public required long BytesBefore { get; init; }
    public required long BytesAfter { get; init; }

    /// <summary>Structured: every dependency group, prunable or not, with the channels kept; empty for unstructured.</summary>
    public IReadOnlyList<ChannelGroupReport> Groups { get; init; } = [];

    /// <summary>Structured with <see cref="PruningOptions.MeasureSensitivity"/>: one row per prunable group.</summary>
    public IReadOnlyList<GroupSensitivity> Sensitivity { get; init; } = [];

    /// <summary>Structured with <see cref="PruningOptions.Reconstruct"/>: what the recovery did.</summary>
    public ReconstructionReport? Reconstruction { get; init; }

    /// <summary>Unstructured: every pruned weight tensor; empty for structured.</summary>
    public IReadOnlyList<LayerSparsity> Layers { get; init; } = [];

    /// <summary>
    /// The pruned model against the original in ONNX Runtime, on the data given (else on generated inputs): the proof
    /// it loads, runs and how close its outputs stay.
    /// </summary>
    public required EquivalenceReport Fidelity { get; init; }

    /// <summary>Whether <see cref="Fidelity"/> was measured on the user's data (true) or on generated inputs (false).</summary>
    public required bool FidelityOnData { get; init; }

    /// <summary>Things the user should know (groups left whole and why, excluded names fused away, …).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public TimeSpan Elapsed { get; init; }

    public void Dispose() => Model.Dispose();
}
