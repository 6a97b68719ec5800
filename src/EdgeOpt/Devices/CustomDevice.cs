using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeOpt.Devices;

/// <summary>
/// A device that is not in the catalogue, described as the seed does (platform, name, CPU, memory; optionally the CPU's
/// FP32 peak and the DRAM bandwidth). <see cref="Resolve"/> turns it into an <see cref="EdgeDevice"/> that the estimator
/// and the compatibility tables accept unchanged, borrowing every figure it does not give from the closest catalogue
/// entry (see <see cref="ClosestEntry"/>) and recording which. The JSON form (<c>device.json</c>, camelCase, unknown
/// fields refused) is documented in docs/architecture.md, "Deployment".
/// </summary>
public sealed record CustomDevice
{
    /// <summary>The kind of system; the closest catalogue entry is looked for on this platform first.</summary>
    public required EdgePlatform Platform { get; init; }

    /// <summary>Display name, e.g. <c>"Samsung Galaxy S23"</c>.</summary>
    public required string Name { get; init; }

    /// <summary>System on chip / CPU description, e.g. <c>"Snapdragon 8 Gen 2"</c> (matched against catalogue SoCs).</summary>
    public string Cpu { get; init; } = "";

    /// <summary>RAM in GB (for browsers: the memory budget of a tab).</summary>
    public required double MemoryGb { get; init; }

    /// <summary>The CPU's peak FP32 throughput in GFLOPS; null borrows it. FP16/INT8 peaks keep the borrowed entry's ratios to FP32.</summary>
    public double? PeakGflops { get; init; }

    /// <summary>Peak DRAM bandwidth in GB/s; null borrows it.</summary>
    public double? MemoryBandwidthGBps { get; init; }

    /// <summary>
    /// Power, drain and thermal figures for <c>edgeopt power</c> and battery-constrained deploys; never borrowed from the
    /// closest catalogue entry (null: the device has none, and the power commands say what to give).
    /// </summary>
    public DevicePower? Power { get; init; }

    /// <summary>Every problem at once (empty: it can be resolved): no name, memory or a given peak/bandwidth not positive, an undefined platform.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (!Enum.IsDefined(Platform))
            problems.Add(new($"{{0}} {(int)Platform}: expected one of {string.Join(", ", Enum.GetNames<EdgePlatform>())}", Name_(nameof(Platform))));
        if (string.IsNullOrWhiteSpace(Name)) problems.Add(new("{0} is empty: give the device a name", Name_(nameof(Name))));
        // Names are printed in every report and error: a control character (a line feed from "\n" in device.json) would break lines.
        foreach (var (field, text) in new[] { (nameof(Name), Name), (nameof(Cpu), Cpu) })
            if (text is not null && text.Any(FileText.BreaksLine))
                problems.Add(new($"{{0}} holds the control character U+{(int)text.First(FileText.BreaksLine):X4}: give a one-line name", Name_(field)));
        if (!(MemoryGb > 0) || double.IsInfinity(MemoryGb)) problems.Add(new($"{{0}} is {Show(MemoryGb)}: expected a positive number of GB", Name_(nameof(MemoryGb))));
        if (PeakGflops is { } peak && (!(peak > 0) || double.IsInfinity(peak)))
            problems.Add(new($"{{0}} is {Show(peak)}: expected a positive GFLOPS figure, or leave it out to borrow it", Name_(nameof(PeakGflops))));
        if (MemoryBandwidthGBps is { } bw && (!(bw > 0) || double.IsInfinity(bw)))
            problems.Add(new($"{{0}} is {Show(bw)}: expected a positive GB/s figure, or leave it out to borrow it", Name_(nameof(MemoryBandwidthGBps))));
        return problems;
    }

    /// <summary>
    /// The catalogue entry figures are borrowed from: entries of the same platform (all entries when the platform has
    /// none); among them one whose SoC or name matches <see cref="Cpu"/> (normalized: letters and digits, either
    /// containing the other) wins; otherwise the nearest memory by ratio (|ln(memory / entry memory)|); ties go to
    /// catalogue order.
    /// </summary>
    public EdgeDevice ClosestEntry()
    {
        var all = DeviceCatalog.All;
        var pool = all.Where(d => d.Platform == Platform).ToList();
        if (pool.Count == 0) pool = [.. all];
        var cpu = DeviceCatalog.Normalize(Cpu);
        return pool
            .Select((d, i) => (Device: d, Index: i, Soc: SocMatches(cpu, d) ? 0 : 1, Memory: MemoryDistance(d)))
            .OrderBy(c => c.Soc).ThenBy(c => c.Memory).ThenBy(c => c.Index)
            .First().Device;
    }

    private static bool SocMatches(string cpu, EdgeDevice d)
    {
        if (cpu.Length < 3) return false;
        foreach (var name in new[] { d.Soc, d.Name })
        {
            var key = DeviceCatalog.Normalize(name);
            if (key.Length >= 3 && (key.Contains(cpu, StringComparison.Ordinal) || cpu.Contains(key, StringComparison.Ordinal))) return true;
        }
        return false;
    }

    private double MemoryDistance(EdgeDevice d) => d.MemoryGb > 0 ? Math.Abs(Math.Log(MemoryGb / d.MemoryGb)) : double.MaxValue;

    /// <summary>The device as an <see cref="EdgeDevice"/>, with what was borrowed from which catalogue entry.</summary>
    /// <exception cref="InvalidOptionsException">The description is invalid (<see cref="Validate"/>).</exception>
    public ResolvedDevice Resolve()
    {
        InvalidOptionsException.ThrowIfAny(Validate());
        var entry = ClosestEntry();
        var borrowed = new List<string>();
        var sources = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["platform"] = Given, ["name"] = Given, ["memoryGb"] = Given,
        };
        if (Cpu.Length > 0) sources["soc"] = Given;
        void Borrow(string field, bool present)
        {
            if (!present) return;
            borrowed.Add(field);
            sources[field] = $"borrowed from {entry.Id}" + (entry.Sources.TryGetValue(field, out var s) ? $": {s}" : "");
        }

        if (Cpu.Length == 0) Borrow("soc", entry.Soc.Length > 0);
        Borrow("cpuClusters", entry.CpuClusters.Count > 0);
        var units = new List<ComputeUnit>();
        foreach (var unit in entry.ComputeUnits)
        {
            if (unit.Kind == ComputeUnitKind.Cpu && PeakGflops is { } peak && unit.PeakGops.TryGetValue(Precision.Fp32, out var fp32) && fp32 > 0)
            {
                var scaled = unit.PeakGops.ToDictionary(p => p.Key, p => p.Value / fp32 * peak);
                units.Add(new ComputeUnit(ComputeUnitKind.Cpu, Cpu.Length > 0 ? Cpu : unit.Name, scaled,
                    $"FP32 peak given ({Show(peak)} GFLOPS); other precisions at {entry.Id}'s ratios to FP32"));
                continue;
            }
            units.Add(unit);
            var field = "computeUnits." + unit.Kind.ToString().ToLowerInvariant();
            if (!borrowed.Contains(field)) Borrow(field, true);
        }
        if (MemoryBandwidthGBps is not null) sources["memoryBandwidthGBps"] = Given;
        else Borrow("memoryBandwidthGBps", true);
        Borrow("sustainedPowerW", entry.SustainedPowerW is not null);
        Borrow("tdpW", entry.TdpW is not null);
        Borrow("batteryWh", entry.BatteryWh is not null);
        Borrow("accelerators", entry.Accelerators.Count > 0);
        Borrow("backends", entry.Backends.Count > 0);
        Borrow("osMinimum", entry.OsMinimum is not null);

        var device = entry with
        {
            Id = "custom-" + Slug(Name),
            Name = Name.Trim(),
            Aliases = [],
            Platform = Platform,
            Soc = Cpu.Length > 0 ? Cpu : entry.Soc,
            ComputeUnits = units,
            MemoryGb = MemoryGb,
            MemoryBandwidthGBps = MemoryBandwidthGBps ?? entry.MemoryBandwidthGBps,
            // Power figures belong to one device: never borrowed, only given.
            Power = Power,
            Sources = sources,
        };
        return new ResolvedDevice(device, entry.Id, borrowed);
    }

    /// <summary>Reads a <c>device.json</c> and validates it.</summary>
    /// <exception cref="DataFormatException">Not JSON, a missing or unknown field, a value of the wrong kind (the message names the field).</exception>
    /// <exception cref="InvalidOptionsException">A value out of range (<see cref="Validate"/>).</exception>
    public static CustomDevice Load(string path)
    {
        return Parse(ConfigJson.ReadText(path, "device file"), Path.GetFileName(path));
    }

    /// <summary>Parses the JSON form and validates it; <paramref name="source"/> names it in messages.</summary>
    public static CustomDevice Parse(string json, string source = "device JSON")
    {
        ArgumentNullException.ThrowIfNull(json);
        var read = ConfigJson.Read(json, source, CustomDeviceJsonContext.Default.CustomDeviceJson, field => field switch
        {
            "platform" => string.Join(", ", Enum.GetNames<EdgePlatform>()),
            "name" or "cpu" => "a string",
            _ => "a number",
        });
        var device = new CustomDevice
        {
            Platform = read.Platform, Name = read.Name, Cpu = read.Cpu, MemoryGb = read.MemoryGb,
            PeakGflops = read.PeakGflops, MemoryBandwidthGBps = read.MemoryBandwidthGBps, Power = read.Power,
        };
        InvalidOptionsException.ThrowIfAny(device.Validate());
        return device;
    }

    /// <summary>The JSON form (what <see cref="Parse"/> reads).</summary>
    public string ToJson() => JsonSerializer.Serialize(new CustomDeviceJson
    {
        Platform = Platform, Name = Name, Cpu = Cpu, MemoryGb = MemoryGb, PeakGflops = PeakGflops, MemoryBandwidthGBps = MemoryBandwidthGBps,
        Power = Power,
    }, CustomDeviceJsonContext.Default.CustomDeviceJson);

    private const string Given = "given in the custom device";

    private static string Name_(string member) => $"{nameof(CustomDevice)}.{member}";

    private static string Show(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    private static string Slug(string name)
    {
        var lowered = new string([.. name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : ' ')]);
        var parts = lowered.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 0 ? "device" : string.Join("-", parts);
    }
}

/// <summary>A device ready to estimate with, and where its figures came from.</summary>
/// <param name="Device">The device (a catalogue entry, or a custom device completed from one).</param>
/// <param name="BorrowedFrom">The catalogue id figures were borrowed from; null for a catalogue device.</param>
/// <param name="Borrowed">The borrowed figures by field name (<c>memoryBandwidthGBps</c>, <c>computeUnits.gpu</c>, …), in field order.</param>
public sealed record ResolvedDevice(EdgeDevice Device, string? BorrowedFrom, IReadOnlyList<string> Borrowed)
{
    /// <summary>Whether the device was described by the user rather than taken from the catalogue.</summary>
    public bool IsCustom => BorrowedFrom is not null;

    /// <summary>
    /// A catalogue name (forgiving lookup, <see cref="DeviceCatalog.Find"/>) or the path of a <c>.json</c> custom device file.
    /// </summary>
    /// <exception cref="UsageException">Unknown device (with suggestions) or an unreadable file.</exception>
    /// <exception cref="DataFormatException">A malformed device file.</exception>
    public static ResolvedDevice Resolve(string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return CustomDevice.Load(nameOrPath).Resolve();
        return new ResolvedDevice(DeviceCatalog.Find(nameOrPath), null, []);
    }

    /// <summary>One line for reports: <c>"custom device: memoryBandwidthGBps, cpuClusters borrowed from pixel-7"</c>.</summary>
    public string Describe() => BorrowedFrom is null
        ? $"catalogue device {Device.Id}"
        : Borrowed.Count == 0 ? "custom device: every figure given" : $"custom device: {string.Join(", ", Borrowed)} borrowed from {BorrowedFrom}";
}

/// <summary>
/// The JSON shape of <see cref="CustomDevice"/>: settable properties, because source-generated JSON gives an absent
/// init-only property default(T) instead of the record's default (an absent <c>cpu</c> would be null).
/// </summary>
internal sealed class CustomDeviceJson
{
    public required EdgePlatform Platform { get; set; }
    public required string Name { get; set; }
    public string Cpu { get; set; } = "";
    public required double MemoryGb { get; set; }
    public double? PeakGflops { get; set; }
    public double? MemoryBandwidthGBps { get; set; }
    public DevicePower? Power { get; set; }
}

/// <summary>Source-generated JSON for <c>device.json</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    UseStringEnumConverter = true, RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true)]
[JsonSerializable(typeof(CustomDeviceJson))]
internal sealed partial class CustomDeviceJsonContext : JsonSerializerContext;
