namespace EdgeOpt.Devices;

/// <summary>An NVIDIA GPU reported by NVML on this host.</summary>
/// <param name="Index">NVML device index.</param>
/// <param name="Name">E.g. <c>"NVIDIA H100 80GB HBM3"</c>.</param>
/// <param name="MemoryBytes">Total device memory.</param>
/// <param name="ComputeCapability">CUDA compute capability such as <c>"9.0"</c> (null: NVML did not say).</param>
public sealed record GpuInfo(int Index, string Name, long MemoryBytes, string? ComputeCapability);
