namespace EdgeOpt.Pruning;

/// <summary>How structured pruning ranks the channels of a dependency group (lowest first out).</summary>
public enum ChannelImportance
{
    /// <summary>Sum of |w| over every weight slice tied to the channel.</summary>
    L1,

    /// <summary>Euclidean norm of every weight slice tied to the channel.</summary>
    L2,

    /// <summary>FPGM: distance to the geometric median of the group's filters (He et al. 2019); redundant filters go first.</summary>
    Fpgm,

    /// <summary>Mean |activation| of the channel on calibration data (needs data).</summary>
    Activation,
}
