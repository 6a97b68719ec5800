using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace EdgeOpt.Devices.Probing;

/// <summary>
/// NVIDIA GPUs through NVML, loaded at run time so hosts without the driver simply report none. Calls go through
/// function pointers from <see cref="NativeLibrary"/> (no <c>DllImport</c>, so nothing binds when it is absent).
/// </summary>
internal static unsafe class Nvml
{
    private const int Success = 0;
    private const int NameBufferSize = 96; // NVML_DEVICE_NAME_V2_BUFFER_SIZE

    [StructLayout(LayoutKind.Sequential)]
    private struct NvmlMemory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    /// <summary>Library names tried in order; the versioned Linux name is the one the driver installs.</summary>
    internal static readonly string[] LibraryNames = OperatingSystem.IsWindows() ? ["nvml.dll"] : ["libnvidia-ml.so.1", "libnvidia-ml.so"];

    public static IReadOnlyList<GpuInfo> Query()
    {
        var library = IntPtr.Zero;
        if (!LibraryNames.Any(name => NativeLibrary.TryLoad(name, out library))) return [];
        try
        {
            if (!TryExport(library, "nvmlInit_v2", out var init) || !TryExport(library, "nvmlShutdown", out var shutdown) ||
                !TryExport(library, "nvmlDeviceGetCount_v2", out var getCount) || !TryExport(library, "nvmlDeviceGetHandleByIndex_v2", out var getHandle) ||
                !TryExport(library, "nvmlDeviceGetName", out var getName) || !TryExport(library, "nvmlDeviceGetMemoryInfo", out var getMemory))
                return [];
            TryExport(library, "nvmlDeviceGetCudaComputeCapability", out var getCapability);

            if (((delegate* unmanaged<int>)init)() != Success) return [];
            try
            {
                uint count;
                if (((delegate* unmanaged<uint*, int>)getCount)(&count) != Success) return [];
                var gpus = new List<GpuInfo>((int)count);
                var name = stackalloc byte[NameBufferSize];
                for (uint i = 0; i < count; i++)
                {
                    IntPtr device;
                    if (((delegate* unmanaged<uint, IntPtr*, int>)getHandle)(i, &device) != Success) continue;
                    var deviceName = ((delegate* unmanaged<IntPtr, byte*, uint, int>)getName)(device, name, NameBufferSize) == Success
                        ? Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name))
                        : $"NVIDIA GPU {i}";
                    NvmlMemory memory;
                    var total = ((delegate* unmanaged<IntPtr, NvmlMemory*, int>)getMemory)(device, &memory) == Success ? (long)memory.Total : 0;
                    string? capability = null;
                    int major, minor;
                    if (getCapability != IntPtr.Zero && ((delegate* unmanaged<IntPtr, int*, int*, int>)getCapability)(device, &major, &minor) == Success)
                        capability = string.Create(CultureInfo.InvariantCulture, $"{major}.{minor}");
                    gpus.Add(new GpuInfo((int)i, deviceName, total, capability));
                }
                return gpus;
            }
            finally
            {
                ((delegate* unmanaged<int>)shutdown)();
            }
        }
        finally
        {
            NativeLibrary.Free(library);
        }
    }

    private static bool TryExport(IntPtr library, string name, out IntPtr address) => NativeLibrary.TryGetExport(library, name, out address);
}
