namespace EdgeOpt.Analysis;

/// <summary>What limits a node's estimated time.</summary>
public enum RooflineBound
{
    /// <summary>Arithmetic: the unit's peak throughput.</summary>
    Compute,

    /// <summary>Bytes moved: the device's memory bandwidth.</summary>
    Memory,

    /// <summary>Neither: the node does (almost) nothing, so the per-node dispatch overhead dominates.</summary>
    Overhead,

    /// <summary>Runs inside the preceding Conv/Gemm/MatMul (runtimes fuse BatchNormalization and activations), costing nothing extra.</summary>
    Fused,
}
