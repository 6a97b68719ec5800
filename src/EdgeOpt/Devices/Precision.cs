namespace EdgeOpt.Devices;

/// <summary>The number format a compute unit's peak throughput is quoted for.</summary>
public enum Precision
{
    Fp32,
    Fp16,
    Int8,
}
