namespace EdgeOpt.Pruning;

/// <summary>How unstructured pruning ranks individual weights.</summary>
public enum SparsityScore
{
    /// <summary>|w|.</summary>
    Magnitude,

    /// <summary>Wanda (Sun et al. 2023): |w| × ‖x‖ of the input feature it multiplies, from calibration data (needs data).</summary>
    Wanda,
}
