using System.Globalization;
using System.Text;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>
/// TensorRT's own calibration cache (what <c>IInt8EntropyCalibrator2::writeCalibrationCache</c> writes, trtexec's
/// <c>--calib</c> reads, and ORT's TensorRT EP reads with <c>trt_int8_use_native_calibration_table=1</c>): a first line
/// <c>TRT-&lt;NV_TENSORRT_VERSION&gt;-EntropyCalibration2</c>, then per tensor <c>name: &lt;8 hex digits&gt;</c>, the
/// big-endian IEEE-754 bits of the scale, with range = scale × 127 (ORT's ReadDynamicRange in
/// tensorrt_execution_provider_utils.h multiplies by 127).
/// </summary>
internal static class NativeCalibrationCache
{
    public const string FileName = "calibration.cache";

    /// <summary>
    /// The TensorRT the header names: 10.3.0, which JetPack 6.1 and 6.2 (Jetson Linux r36.4) ship for Orin; ORT's
    /// TensorRT EP on Jetson is built against JetPack's TensorRT. TensorRT checks the header against its own version,
    /// so build_engine.sh rewrites it to the device's when they differ.
    /// </summary>
    public static readonly Version TensorRtVersion = new(10, 3, 0);

    public const string Algorithm = "EntropyCalibration2";

    /// <summary>NV_TENSORRT_VERSION: major·1000 + minor·100 + patch up to TensorRT 9, major·10000 + minor·100 + patch from 10 (NvInferVersion.h).</summary>
    public static int VersionNumber(Version version) =>
        version.Major * (version.Major >= 10 ? 10000 : 1000) + version.Minor * 100 + Math.Max(0, version.Build);

    public static string Header => $"TRT-{VersionNumber(TensorRtVersion).ToString(CultureInfo.InvariantCulture)}-{Algorithm}";

    /// <summary>The scale's bits as TensorRT writes them: 8 lower-case hex digits, most significant first.</summary>
    public static string Hex(float scale) => BitConverter.SingleToUInt32Bits(scale).ToString("x8", CultureInfo.InvariantCulture);

    public static string Write(IReadOnlyDictionary<string, float> ranges)
    {
        var text = new StringBuilder().Append(Header).Append('\n');
        foreach (var (name, range) in ranges.OrderBy(r => r.Key, Utf8Order.Instance))
            text.Append(name).Append(": ").Append(Hex(range / 127f)).Append('\n');
        return text.ToString();
    }

    /// <summary>Reads a cache back: the header and tensor name → range (scale × 127).</summary>
    /// <exception cref="InvalidDataException">Not a TensorRT calibration cache.</exception>
    public static (string Header, Dictionary<string, float> Ranges) Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        var header = lines[0].TrimEnd('\r');
        if (!header.StartsWith("TRT-", StringComparison.Ordinal))
            throw new InvalidDataException($"not a TensorRT calibration cache: the first line is '{header}', expected TRT-<version>-<algorithm>");
        var ranges = new Dictionary<string, float>(StringComparer.Ordinal);
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Length == 0) continue;
            var colon = line.LastIndexOf(':');
            if (colon <= 0 || !uint.TryParse(line.AsSpan(colon + 1).Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var bits))
                throw new InvalidDataException($"calibration cache line {i + 1} is not 'tensor: <8 hex digits>': '{line}'");
            ranges[line[..colon]] = BitConverter.UInt32BitsToSingle(bits) * 127f;
        }
        return (header, ranges);
    }
}
