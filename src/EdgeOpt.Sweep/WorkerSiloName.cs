using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeOpt.Sweep;

/// <summary>
/// The Orleans silo name an <c>edgeopt worker</c> announces (<c>edgeopt-worker slots=N version=V</c>): Orleans writes it
/// into the membership table's <c>SiloName</c> column, so <c>edgeopt sweep status</c> shows each worker's slots and
/// EdgeOpt version from the table alone, without calling the worker.
/// </summary>
public static partial class WorkerSiloName
{
    /// <summary>The silo name of a worker with <paramref name="slots"/> slots running EdgeOpt <paramref name="toolVersion"/>.</summary>
    public static string Format(string toolVersion, int slots)
    {
        ArgumentNullException.ThrowIfNull(toolVersion);
        var name = string.Create(CultureInfo.InvariantCulture, $"edgeopt-worker slots={slots} version={toolVersion}");
        return name.Length <= 150 ? name : name[..150]; // the membership table's SiloName is varchar(150)
    }

    /// <summary>Slots and version read back from a silo name; false for a silo that is not an edgeopt worker (or an older one).</summary>
    public static bool TryParse(string? siloName, out int slots, out string toolVersion)
    {
        var match = siloName is null ? null : Pattern().Match(siloName);
        if (match is { Success: true } && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out slots))
        {
            toolVersion = match.Groups[2].Value;
            return true;
        }
        slots = 0;
        toolVersion = "";
        return false;
    }

    [GeneratedRegex(@"^edgeopt-worker slots=([0-9]{1,9}) version=(\S+)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
