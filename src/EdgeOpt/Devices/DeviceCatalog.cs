using System.Text.Json;

namespace EdgeOpt.Devices;

/// <summary>
/// The built-in catalogue of edge devices (phones, tablets, Jetson, Raspberry Pi, Coral, browsers), read from an
/// embedded JSON file in which every figure carries its public source. Lookup by name forgives case, spacing,
/// punctuation and vendor prefixes, and knows aliases such as model numbers (<c>"SM-S911"</c>) and short forms (<c>"rpi5"</c>).
/// </summary>
public static class DeviceCatalog
{
    private const string ResourceName = "EdgeOpt.Devices.Catalog.devices.json";

    // Vendor words a user may or may not type ("NVIDIA Jetson Nano" and "Jetson Nano" are the same device).
    private static readonly string[] VendorPrefixes = ["apple", "google", "samsung", "nvidia", "qualcomm", "raspberry"];

    private static readonly Lazy<Index> Catalog = new(Load);

    /// <summary>Every catalogue entry, in catalogue order (iOS, Android, embedded Linux, browsers).</summary>
    public static IReadOnlyList<EdgeDevice> All => Catalog.Value.Devices;

    /// <summary>The device called <paramref name="name"/> (id, display name or alias, forgivingly matched).</summary>
    /// <exception cref="UsageException">No device has that name; the message lists the closest matches.</exception>
    public static EdgeDevice Find(string name)
    {
        if (TryFind(name, out var device)) return device!;
        if (Normalize(name).Length == 0) throw new UsageException($"device name '{Echo(name)}' has no letters or digits (edgeopt devices lists all)");
        var closest = ClosestMatches(name).Select(d => d.Id);
        throw new UsageException($"unknown device '{Echo(name)}'; closest: {string.Join(", ", closest)} (edgeopt devices lists all)");
    }

    /// <summary>The longest device name echoed back in a message; longer ones are cut with an ellipsis.</summary>
    public const int MaxEchoedNameLength = 80;

    // A name typed by the user goes back into a one-line message: control characters escaped (no terminal escapes, no line
    // breaks), at most MaxEchoedNameLength characters.
    private static string Echo(string name)
    {
        var sb = new System.Text.StringBuilder(Math.Min(name.Length, MaxEchoedNameLength) + 8);
        foreach (var c in name)
        {
            var piece = char.IsControl(c) || c is '\u2028' or '\u2029' ? "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture) : c.ToString();
            if (sb.Length + piece.Length > MaxEchoedNameLength)
            {
                sb.Append('…');
                break;
            }
            sb.Append(piece);
        }
        return sb.ToString();
    }

    /// <summary>Looks <paramref name="name"/> up like <see cref="Find"/> without throwing.</summary>
    public static bool TryFind(string name, out EdgeDevice? device)
    {
        ArgumentNullException.ThrowIfNull(name);
        device = null;
        foreach (var key in QueryKeys(name))
            if (Catalog.Value.ByKey.TryGetValue(key, out device)) return true;
        return false;
    }

    /// <summary>
    /// The <paramref name="count"/> devices whose names are nearest to <paramref name="name"/>: a name that contains
    /// the query ranks first, then edit distance over normalized names and aliases.
    /// </summary>
    public static IReadOnlyList<EdgeDevice> ClosestMatches(string name, int count = 3)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var queries = QueryKeys(name).DefaultIfEmpty("").ToList();
        return Catalog.Value.Keys
            .Select(entry => (entry.Device, Score: queries.Min(q => Distance(q, entry.Key))))
            .GroupBy(s => s.Device)
            .Select(g => (Device: g.Key, Score: g.Min(s => s.Score)))
            .OrderBy(s => s.Score)
            .ThenBy(s => s.Device.Id, StringComparer.Ordinal)
            .Take(count)
            .Select(s => s.Device)
            .ToList();
    }

    /// <summary>Lower-case letters and digits only: "Galaxy S23", "galaxy-s23" and "GALAXY_S23" all become "galaxys23".</summary>
    internal static string Normalize(string name) =>
        string.Concat(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant));

    private static IEnumerable<string> QueryKeys(string name)
    {
        var key = Normalize(name);
        if (key.Length == 0) yield break;
        yield return key;
        if (WithoutVendor(key) is { } bare) yield return bare;
    }

    private static string? WithoutVendor(string key) =>
        VendorPrefixes.FirstOrDefault(v => key.Length > v.Length && key.StartsWith(v, StringComparison.Ordinal)) is { } vendor ? key[vendor.Length..] : null;

    // Containment wins (a partial name such as "jetson" should suggest Jetsons), else Levenshtein distance.
    private static double Distance(string query, string key) =>
        query.Length >= 3 && key.Contains(query, StringComparison.Ordinal) ? (key.Length - query.Length) / (double)(key.Length + 1)
        : Levenshtein(query, key);

    private static int Levenshtein(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private static Index Load()
    {
        using var stream = typeof(DeviceCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the device catalogue resource '{ResourceName}' is missing from {typeof(DeviceCatalog).Assembly.GetName().Name}");
        DeviceCatalogDocument document;
        try
        {
            document = JsonSerializer.Deserialize(stream, DeviceCatalogJsonContext.Default.DeviceCatalogDocument)
                ?? throw new InvalidOperationException("the device catalogue is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"the embedded device catalogue is malformed: {e.Message}", e);
        }

        var keys = new List<(string Key, EdgeDevice Device)>();
        var byKey = new Dictionary<string, EdgeDevice>(StringComparer.Ordinal);
        foreach (var device in document.Devices)
        {
            foreach (var key in new[] { device.Id, device.Name }.Concat(device.Aliases).Select(Normalize).Distinct(StringComparer.Ordinal))
            {
                // Two devices sharing a lookup key would make Find ambiguous: a catalogue bug, caught at first use.
                if (byKey.TryGetValue(key, out var other) && other != device)
                    throw new InvalidOperationException($"device catalogue: '{key}' names both '{other.Id}' and '{device.Id}'");
                byKey[key] = device;
                keys.Add((key, device));
                if (WithoutVendor(key) is { } bare && byKey.TryAdd(bare, device)) keys.Add((bare, device));
            }
        }
        return new Index(document.Devices, byKey, keys);
    }

    private sealed record Index(IReadOnlyList<EdgeDevice> Devices, Dictionary<string, EdgeDevice> ByKey, List<(string Key, EdgeDevice Device)> Keys);
}
