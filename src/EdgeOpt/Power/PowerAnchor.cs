using EdgeOpt.Devices;

namespace EdgeOpt.Power;

/// <summary>What a published figure measures.</summary>
public enum AnchorQuantity
{
    /// <summary>Joules per inference (system power × time per inference).</summary>
    EnergyPerInference,

    /// <summary>Watts at the wall while running back to back.</summary>
    Power,

    /// <summary>Watts of one unit computing at its peak rate (arithmetic energy per operation × peak operations per second).</summary>
    UnitPeakPower,
}

/// <summary>
/// A published measurement the energy model is checked against: ResNet-50 v1.5 on a catalogue device, in a stated
/// configuration, with the figure and its source.
/// </summary>
/// <param name="Name">E.g. <c>"Jetson AGX Orin MaxQ, GPU+2 DLA, ResNet-50 Offline"</c>.</param>
/// <param name="DeviceId">The catalogue entry.</param>
/// <param name="Precision">How the submission ran.</param>
/// <param name="Unit">The unit it ran on (a GPU+DLA submission is modelled on the GPU).</param>
/// <param name="Batch">Items per run (Offline submissions batch; SingleStream runs one).</param>
/// <param name="Point">The device's operating point by name (null: performance).</param>
/// <param name="Quantity">Energy per inference or power.</param>
/// <param name="Published">The figure: J per inference, or W.</param>
/// <param name="Derivation">How the figure follows from the publication (e.g. 22.66 W / 3463 samples/s).</param>
/// <param name="Source">The publication.</param>
/// <param name="FitsOverheadOf">The unit kind whose overhead factor this anchor fits (null: held out, only checked).</param>
public sealed record PowerAnchor(string Name, string DeviceId, Precision Precision, ComputeUnitKind Unit, int Batch, string? Point,
    AnchorQuantity Quantity, double Published, string Derivation, string Source, ComputeUnitKind? FitsOverheadOf = null);

/// <summary>One anchor checked: the estimate next to the published figure.</summary>
/// <param name="Anchor">The anchor.</param>
/// <param name="Estimated">The model's figure in the anchor's quantity.</param>
/// <param name="EstimatedLatencyMs">The latency the estimate assumed (estimated too).</param>
public sealed record AnchorCheck(PowerAnchor Anchor, double Estimated, double EstimatedLatencyMs)
{
    /// <summary>Estimated / published.</summary>
    public double Ratio => Estimated / Anchor.Published;

    /// <summary>Within the goal band, 0.67× to 1.5×.</summary>
    public bool WithinGoal => Ratio is >= PowerValidation.LowestRatio and <= PowerValidation.HighestRatio;

    /// <summary>True when this anchor fitted a coefficient (its ratio is 1 by construction, so it says nothing of accuracy).</summary>
    public bool Fitted => Anchor.FitsOverheadOf is not null;
}
