using System.Diagnostics;

namespace EdgeOpt.Power.Sensors;

/// <summary>
/// Reads the sensors during one window of a sustained run. Energy comes from the best source found, in this order:
/// Jetson INA3221 rails (the board's input), a discharging battery (the whole machine), else RAPL plus NVML counters
/// (processor packages and GPUs). Counters are read at every tick and their deltas added up, so a RAPL wrap between two
/// ticks is undone; instantaneous power (rails, battery) is integrated over the ticks (trapezoids).
/// </summary>
internal sealed class SensorSampler : IDisposable
{
    private readonly Sysfs _sysfs;
    private readonly bool _thermal;
    private readonly bool _cpufreq;
    private readonly double _tripMarginCelsius;
    private readonly Source _source;
    private readonly NvmlEnergy? _nvml;
    private readonly bool _rapl;
    private readonly Dictionary<string, long> _raplLast = new(StringComparer.Ordinal);
    private double? _nvmlLast;
    private double? _powerLast;
    private long _lastTick;

    // This window's accumulators.
    private double _joules;
    private bool _energyFailed;
    private double? _maxCelsius;
    private double _kHzSum;
    private int _kHzCount;
    private string? _throttling;

    private enum Source { None, Rails, Battery, Counters }

    public SensorSampler(Sysfs sysfs, SensorSnapshot found, double tripMarginCelsius, string? nvmlLibrary)
    {
        _sysfs = sysfs;
        _tripMarginCelsius = tripMarginCelsius;
        _thermal = found.Status(SensorKind.Thermal).Available;
        _cpufreq = found.Status(SensorKind.CpuFrequency).Available;
        var statuses = found.Statuses.ToList();
        if (found.Rails.Count > 0)
        {
            _source = Source.Rails;
            PowerSource = "INA3221 rails: " + string.Join(", ", found.Rails.Select(r => r.Name));
        }
        else if (found.Batteries.FirstOrDefault(b => b.Discharging && b.PowerWatts is not null) is { } battery)
        {
            _source = Source.Battery;
            PowerSource = $"battery {battery.Name} (discharging)";
        }
        else
        {
            var zones = RaplReader.Summed(found.RaplZones);
            _nvml = found.Status(SensorKind.Nvml).Available ? NvmlEnergy.Open(out _, nvmlLibrary) : null;
            _rapl = zones.Count > 0;
            var parts = zones.Select(z => $"RAPL {z.Name}").ToList();
            if (_nvml is not null) parts.Add("NVML GPU energy");
            if (parts.Count > 0)
            {
                _source = Source.Counters;
                PowerSource = string.Join(" + ", parts);
            }
        }
        if (_source != Source.Battery)
        {
            // A battery on AC shows the charger's power, not the machine's: say why it was not used.
            var index = statuses.FindIndex(s => s.Kind == SensorKind.Battery);
            if (statuses[index].Available && found.Batteries.All(b => !b.Discharging))
                statuses[index] = SensorStatus.Missing(SensorKind.Battery, "the battery is not discharging (on AC its power is the charger's)");
        }
        Sensors = statuses.Select(s => s.Available && !Measures(s.Kind) ? s with { Available = false, Detail = $"not available: found ({s.Detail}) but {PowerSource} was measured instead" } : s)
            .Select(s => s.Available ? s with { Detail = "measured: " + s.Detail } : s).ToList();
    }

    /// <summary>What the power figures come from; null when nothing measures power here.</summary>
    public string? PowerSource { get; }

    /// <summary>Each kind's status for the report: <c>measured: …</c> or <c>not available: …</c>.</summary>
    public IReadOnlyList<SensorStatus> Sensors { get; }

    private bool Measures(SensorKind kind) => kind switch
    {
        SensorKind.Ina3221 => _source == Source.Rails,
        SensorKind.Battery => _source == Source.Battery,
        SensorKind.Rapl => _rapl,
        SensorKind.Nvml => _nvml is not null,
        _ => true,
    };

    /// <summary>Starts a window: resets what it accumulates and takes the first reading.</summary>
    public void Begin()
    {
        _joules = 0;
        _energyFailed = false;
        _maxCelsius = null;
        _kHzSum = 0;
        _kHzCount = 0;
        _throttling = null;
        _raplLast.Clear();
        _nvmlLast = null;
        _powerLast = null;
        Tick();
    }

    /// <summary>Takes one reading: energy since the last, temperature, frequency.</summary>
    public void Tick()
    {
        var now = Stopwatch.GetTimestamp();
        var seconds = _lastTick == 0 ? 0 : Stopwatch.GetElapsedTime(_lastTick, now).TotalSeconds;
        _lastTick = now;
        switch (_source)
        {
            case Source.Rails:
                Integrate(Ina3221Reader.Read(_sysfs) is { Count: > 0 } rails ? Ina3221Reader.TotalWatts(rails) : null, seconds);
                break;
            case Source.Battery:
                Integrate(BatteryReader.Read(_sysfs).FirstOrDefault(b => b.Discharging)?.PowerWatts, seconds);
                break;
            case Source.Counters:
                Count();
                break;
        }
        var zones = _thermal ? ThermalReader.Read(_sysfs) : [];
        var cpus = _cpufreq ? CpuFrequencyReader.Read(_sysfs) : [];
        if (zones.Count > 0) _maxCelsius = Math.Max(_maxCelsius ?? double.MinValue, zones.Max(z => z.Celsius));
        if (cpus.Count > 0)
        {
            _kHzSum += cpus.Max(c => c.CurrentKHz);
            _kHzCount++;
        }
        if (_throttling is null && ThrottlingDetector.FromSensors(cpus, zones, _tripMarginCelsius) is { Suspected: true } verdict) _throttling = verdict.Reason;
    }

    /// <summary>Ends a window with a last reading; energy is null when nothing measures it or a reading failed.</summary>
    public (double? Joules, double? MaxCelsius, double? CpuMHz, string? Throttling) End()
    {
        Tick();
        var joules = _source == Source.None || _energyFailed ? (double?)null : _joules;
        return (joules, _maxCelsius, _kHzCount > 0 ? _kHzSum / _kHzCount / 1e3 : null, _throttling);
    }

    private void Integrate(double? watts, double seconds)
    {
        if (watts is null)
        {
            _energyFailed = true;
            return;
        }
        if (_powerLast is { } last) _joules += (last + watts.Value) / 2 * seconds;
        _powerLast = watts;
    }

    private void Count()
    {
        foreach (var zone in RaplReader.Summed(RaplReader.Read(_sysfs)))
        {
            var now = zone.EnergyMicrojoules!.Value;
            if (_raplLast.TryGetValue(zone.Id, out var before))
                _joules += RaplZone.Delta(before, now, zone.MaxEnergyRangeMicrojoules ?? long.MaxValue) / 1e6;
            _raplLast[zone.Id] = now;
        }
        if (_nvml?.TotalJoules() is { } gpu)
        {
            if (_nvmlLast is { } before) _joules += gpu - before;
            _nvmlLast = gpu;
        }
        else if (_nvml is not null)
        {
            _energyFailed = true;
        }
    }

    public void Dispose() => _nvml?.Dispose();
}
