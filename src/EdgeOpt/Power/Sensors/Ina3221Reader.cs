using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeOpt.Power.Sensors;

/// <summary>
/// Jetson's INA3221 power monitors. Current kernels (L4T 32.5+, JetPack 5/6) bind the hwmon driver:
/// <c>/sys/bus/i2c/drivers/ina3221/*/hwmon/hwmon*/</c> with <c>in{N}_label</c>, <c>in{N}_input</c> (mV) and
/// <c>curr{N}_input</c> (mA). Older L4T has NVIDIA's iio driver: <c>/sys/bus/i2c/drivers/ina3221x/*/iio:device*/</c>
/// with <c>rail_name_N</c> and <c>in_power{N}_input</c> (mW).
/// </summary>
internal static partial class Ina3221Reader
{
    public const string HwmonDriver = "sys/bus/i2c/drivers/ina3221";
    public const string IioDriver = "sys/bus/i2c/drivers/ina3221x";

    public static List<PowerRail> Read(Sysfs sysfs)
    {
        var rails = new List<PowerRail>();
        foreach (var device in Sysfs.Folders(sysfs.PathOf(HwmonDriver), "*"))
            foreach (var hwmon in Sysfs.Folders(Path.Combine(device, "hwmon"), "hwmon*"))
                foreach (var channel in Channels(hwmon, "in*_label", HwmonLabel()))
                {
                    // A channel with nothing connected has a label but no reading (or the driver disabled it).
                    if (sysfs.Long(Path.Combine(hwmon, $"in{channel}_input")) is not { } millivolts
                        || sysfs.Long(Path.Combine(hwmon, $"curr{channel}_input")) is not { } milliamps) continue;
                    var name = sysfs.Text(Path.Combine(hwmon, $"in{channel}_label")) ?? $"in{channel}";
                    rails.Add(new PowerRail(name, millivolts * (double)milliamps / 1e6));
                }
        foreach (var device in Sysfs.Folders(sysfs.PathOf(IioDriver), "*"))
            foreach (var iio in Sysfs.Folders(device, "iio:device*"))
                foreach (var channel in Channels(iio, "rail_name_*", IioRailName()))
                {
                    if (sysfs.Long(Path.Combine(iio, $"in_power{channel}_input")) is not { } milliwatts) continue;
                    var name = sysfs.Text(Path.Combine(iio, $"rail_name_{channel}")) ?? $"rail {channel}";
                    rails.Add(new PowerRail(name, milliwatts / 1e3));
                }
        return rails;
    }

    public static SensorStatus Status(Sysfs sysfs, IReadOnlyList<PowerRail> rails) => rails.Count == 0
        ? SensorStatus.Missing(SensorKind.Ina3221, $"no INA3221 rails under {sysfs.Display(sysfs.PathOf(HwmonDriver))} or {sysfs.Display(sysfs.PathOf(IioDriver))}")
        : SensorStatus.Found(SensorKind.Ina3221, string.Join(", ", rails.Select(r => r.Name)));

    /// <summary>
    /// The board's power from its rails. A rail named <c>*_IN</c> (<c>VDD_IN</c>, <c>POM_5V_IN</c>) is the whole board's
    /// input and the others are parts of it, so it is taken alone; without one the rails are summed.
    /// </summary>
    public static double TotalWatts(IReadOnlyList<PowerRail> rails)
    {
        var input = rails.Where(r => r.Name.EndsWith("_IN", StringComparison.OrdinalIgnoreCase)).ToList();
        return (input.Count > 0 ? input : rails).Sum(r => r.Watts);
    }

    private static IEnumerable<int> Channels(string folder, string pattern, Regex name)
    {
        IEnumerable<string> files;
        try
        {
            files = Directory.EnumerateFiles(folder, pattern).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        return files.Select(f => name.Match(Path.GetFileName(f))).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Order();
    }

    [GeneratedRegex(@"^in(\d+)_label$")]
    private static partial Regex HwmonLabel();

    [GeneratedRegex(@"^rail_name_(\d+)$")]
    private static partial Regex IioRailName();
}
