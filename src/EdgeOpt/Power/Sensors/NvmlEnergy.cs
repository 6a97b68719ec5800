using System.Runtime.InteropServices;
using EdgeOpt.Devices.Probing;

namespace EdgeOpt.Power.Sensors;

/// <summary>
/// NVIDIA GPU energy through NVML: <c>nvmlDeviceGetTotalEnergyConsumption</c> is the energy (mJ) each GPU used since the
/// driver loaded (Volta and newer). The library is looked up at run time (<see cref="NativeLibrary.TryLoad(string, out nint)"/>)
/// so a machine without the NVIDIA driver simply reports it missing. The counter updates coarsely (tens of milliseconds
/// or more), so it suits windows of seconds, not single inferences. Dispose shuts NVML down.
/// </summary>
internal sealed unsafe class NvmlEnergy : IDisposable
{
    private const int Success = 0;

    private readonly nint _library;
    private readonly delegate* unmanaged<int> _shutdown;
    private readonly delegate* unmanaged<nint, ulong*, int> _totalEnergy;
    private readonly nint[] _devices;
    private bool _disposed;

    private NvmlEnergy(nint library, delegate* unmanaged<int> shutdown, delegate* unmanaged<nint, ulong*, int> totalEnergy, nint[] devices)
    {
        _library = library;
        _shutdown = shutdown;
        _totalEnergy = totalEnergy;
        _devices = devices;
    }

    /// <summary>How many GPUs report energy.</summary>
    public int Devices => _devices.Length;

    /// <summary>
    /// Opens NVML (<paramref name="library"/>, or the names the host probe tries) and keeps the GPUs that report energy;
    /// null with <paramref name="problem"/> when there are none.
    /// </summary>
    public static NvmlEnergy? Open(out string problem, string? library = null)
    {
        nint handle = 0;
        if (!(library is null ? Nvml.LibraryNames : [library]).Any(name => NativeLibrary.TryLoad(name, out handle)))
        {
            problem = "libnvidia-ml not found (no NVIDIA driver)";
            return null;
        }
        var opened = false;
        try
        {
            if (!TryExport(handle, "nvmlInit_v2", out var init) || !TryExport(handle, "nvmlShutdown", out var shutdown)
                || !TryExport(handle, "nvmlDeviceGetCount_v2", out var count) || !TryExport(handle, "nvmlDeviceGetHandleByIndex_v2", out var byIndex)
                || !TryExport(handle, "nvmlDeviceGetTotalEnergyConsumption", out var energy))
            {
                problem = "libnvidia-ml lacks the energy functions (driver too old)";
                return null;
            }
            var status = ((delegate* unmanaged<int>)init)();
            if (status != Success)
            {
                problem = $"nvmlInit_v2 failed ({ErrorText(handle, status)})";
                return null;
            }
            opened = true;
            uint gpus = 0;
            status = ((delegate* unmanaged<uint*, int>)count)(&gpus);
            var devices = new List<nint>();
            for (uint i = 0; status == Success && i < gpus; i++)
            {
                nint device;
                ulong millijoules;
                // Pre-Volta GPUs answer NVML_ERROR_NOT_SUPPORTED; they are left out.
                if (((delegate* unmanaged<uint, nint*, int>)byIndex)(i, &device) == Success
                    && ((delegate* unmanaged<nint, ulong*, int>)energy)(device, &millijoules) == Success)
                    devices.Add(device);
            }
            if (devices.Count == 0)
            {
                problem = status != Success ? $"nvmlDeviceGetCount_v2 failed ({ErrorText(handle, status)})" : $"none of {gpus} GPU(s) reports total energy (needs Volta or newer)";
                return null;
            }
            problem = "";
            var result = new NvmlEnergy(handle, (delegate* unmanaged<int>)shutdown, (delegate* unmanaged<nint, ulong*, int>)energy, [.. devices]);
            opened = false;
            handle = 0;
            return result;
        }
        finally
        {
            if (opened && TryExport(handle, "nvmlShutdown", out var shutdown)) ((delegate* unmanaged<int>)shutdown)();
            if (handle != 0) NativeLibrary.Free(handle);
        }
    }

    /// <summary>The summed energy counter of all GPUs in joules; null when a read fails.</summary>
    public double? TotalJoules()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ulong sum = 0;
        foreach (var device in _devices)
        {
            ulong millijoules;
            if (_totalEnergy(device, &millijoules) != Success) return null;
            sum += millijoules;
        }
        return sum / 1e3;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _shutdown();
        NativeLibrary.Free(_library);
    }

    private static bool TryExport(nint library, string name, out nint address) => NativeLibrary.TryGetExport(library, name, out address);

    private static string ErrorText(nint library, int status) =>
        TryExport(library, "nvmlErrorString", out var errorString) && Marshal.PtrToStringUTF8(((delegate* unmanaged<int, nint>)errorString)(status)) is { } text
            ? $"{text}, code {status}"
            : $"code {status}";
}
