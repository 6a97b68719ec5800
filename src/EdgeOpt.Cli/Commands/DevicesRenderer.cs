using System.Globalization;
using EdgeOpt.Devices;
using Spectre.Console;

namespace EdgeOpt.Cli.Commands;

/// <summary>The human tables of <c>edgeopt devices</c>.</summary>
internal static class DevicesRenderer
{
    /// <summary>
    /// One row per device: the figures an estimate rests on, peaks as FP16 / INT8 GOPS. Ids, memory, peaks and backends
    /// never wrap (they are what people grep for); the name and SoC column takes what width is left.
    /// </summary>
    public static void RenderTable(IAnsiConsole console, IReadOnlyList<EdgeDevice> devices)
    {
        var table = new Table().Title("[bold]Device catalogue[/] (vendor or derived figures, not measured)")
            .AddColumns("Device", "Name, platform, SoC", "Memory", "Peak GOPS FP16 / INT8", "Backends");
        foreach (var i in new[] { 0, 2, 3, 4 }) table.Columns[i].NoWrap();
        table.Columns[2].RightAligned();
        foreach (var d in devices)
            table.AddRow(
                $"[bold]{Esc(d.Id)}[/]",
                Esc($"{d.Name}\n{d.Platform}, {d.Soc}"),
                $"{F(d.MemoryGb)} GB\n{F(d.MemoryBandwidthGBps)} GB/s",
                string.Join("\n", new[] { ComputeUnitKind.Cpu, ComputeUnitKind.Gpu, ComputeUnitKind.Npu }.Select(k => $"{k.ToString().ToUpperInvariant()} {Peaks(d, k)}")),
                Esc(string.Join("\n", d.Backends)));
        console.Write(table);
        console.MarkupLine("[dim]-: no such unit or no published figure. Browser figures depend on the host. " +
                           "The 'host' row is this machine, measured by a micro-benchmark ('edgeopt devices host'). " +
                           "Sources: 'edgeopt devices NAME' or --json.[/]");
    }

    /// <summary>One device in full: every figure next to its source.</summary>
    public static void RenderDevice(IAnsiConsole console, EdgeDevice d)
    {
        var summary = new Table().Title($"[bold]{Esc(d.Name)}[/] ({Esc(d.Id)})").AddColumns("Property", "Value", "Source");
        void Row(string property, string? value, string? field = null)
        {
            if (value is null) return;
            summary.AddRow(property, Esc(value), field is not null && d.Sources.TryGetValue(field, out var source) ? $"[dim]{Esc(source)}[/]" : "");
        }
        Row("Platform", d.Platform.ToString());
        Row("Aliases", d.Aliases.Count > 0 ? string.Join(", ", d.Aliases) : null);
        Row("SoC", d.Soc, "soc");
        Row("CPU", d.CpuClusters.Count > 0 ? string.Join(" + ", d.CpuClusters.Select(c => $"{c.Cores}x {c.Core} @ {F(c.MaxGhz)} GHz")) : null, "cpuClusters");
        Row("Memory", $"{F(d.MemoryGb)} GB ({d.Class} class)", "memoryGb");
        Row("Bandwidth", $"{F(d.MemoryBandwidthGBps)} GB/s", "memoryBandwidthGBps");
        Row("Sustained power", d.SustainedPowerW is { } sustained ? $"{F(sustained)} W" : null, "sustainedPowerW");
        Row("TDP", d.TdpW is { } tdp ? $"{F(tdp)} W" : null, "tdpW");
        Row("Battery", d.BatteryWh is { } battery ? $"{F(battery)} Wh" : null, "batteryWh");
        Row("Accelerators", d.Accelerators.Count > 0 ? string.Join(", ", d.Accelerators) : "none");
        Row("Backends", string.Join(", ", d.Backends), "backends");
        Row("OS minimum", d.OsMinimum, "osMinimum");
        console.Write(summary);

        var units = new Table().Title("[bold]Compute units[/] (peak GOPS; 1 MAC = 2 operations)")
            .AddColumns("Kind", "Unit", "FP32", "FP16", "INT8", "Source");
        foreach (var c in units.Columns.Skip(2).Take(3)) c.RightAligned();
        foreach (var u in d.ComputeUnits)
            units.AddRow(u.Kind.ToString(), Esc(u.Name), Peak(u, Precision.Fp32), Peak(u, Precision.Fp16), Peak(u, Precision.Int8), $"[dim]{Esc(u.Source)}[/]");
        console.Write(units);
        if (d.Power is { } power) RenderPower(console, power);
        else console.MarkupLine("[dim]No power figures: 'edgeopt power' needs a device.json with a \"power\" object for this device.[/]");
    }

    /// <summary>The figures <c>edgeopt power</c> works from, each next to its source.</summary>
    private static void RenderPower(IAnsiConsole console, DevicePower p)
    {
        var table = new Table().Title("[bold]Power[/] (for 'edgeopt power')").AddColumns("Property", "Value", "Source");
        void Row(string property, string? value, string field)
        {
            if (value is null) return;
            table.AddRow(property, Esc(value), p.Sources.TryGetValue(field, out var source) ? $"[dim]{Esc(source)}[/]" : "");
        }
        Row("Process", $"{F(p.ProcessNm)} nm", "processNm");
        Row("Idle", $"{F(p.IdleW)} W", "idleW");
        Row("Baseline drain", p.BaselineW is { } baseline ? $"{F(baseline)} W" : null, "baselineW");
        Row("Unit active power", p.Units.Count > 0 ? string.Join(", ", p.Units.Select(u => $"{u.Kind} {F(u.ActiveW)} W")) : null, "units");
        Row("Thermal limit", $"{F(p.ThermalLimitC)} °C", "thermalLimitC");
        Row("Thermal time constant", $"{F(p.ThermalTimeConstantS)} s", "thermalTimeConstantS");
        Row("Thermal resistance", p.ThermalResistanceCPerW is { } r ? $"{F(r)} °C/W" : null, "thermalResistanceCPerW");
        Row("Modes", p.Modes.Count > 0 ? string.Join(", ", p.Modes.Select(m => $"{m.Name} ({m.Mode}, {F(m.ClockScale * 100)} % clock)")) : null, "modes");
        console.Write(table);
    }

    /// <summary>This machine as <see cref="HostProbe"/> found it: ISA, caches, GPUs, providers, theoretical vs measured peaks.</summary>
    public static void RenderHost(IAnsiConsole console, HostInfo h)
    {
        var table = new Table().Title("[bold]This host[/] (probed)").AddColumns("Property", "Value");
        table.AddRow("CPU", Esc($"{h.CpuModel} ({h.Architecture}), {h.LogicalCores} logical cores"
            + (h.PhysicalCores is { } physical ? $", {physical} physical" : "")
            + ((h.MaxGhz ?? h.BaseGhz) is { } ghz ? $", {F(ghz)} GHz" : "")));
        table.AddRow("ISA features", Esc(h.IsaFeatures.Count > 0 ? string.Join(" ", h.IsaFeatures) : "none detected"));
        table.AddRow("Caches", Esc(h.Caches.Count > 0
            ? string.Join(", ", h.Caches.Select(c => $"L{c.Level}{(c.Kind == CacheKind.Data ? "d" : c.Kind == CacheKind.Instruction ? "i" : "")} {Size(c.SizeBytes)}"))
            : "unknown"));
        table.AddRow("Memory", Esc(Size(h.MemoryBytes)));
        table.AddRow("GPUs", Esc(h.Gpus.Count > 0 ? string.Join(", ", h.Gpus.Select(g => $"{g.Name} ({Size(g.MemoryBytes)})")) : "none (NVML not present)"));
        table.AddRow("ORT providers", Esc(string.Join(", ", h.OrtProviders)));
        foreach (var precision in new[] { Precision.Fp32, Precision.Fp16, Precision.Int8 })
        {
            var theoretical = h.TheoreticalPeakGops.TryGetValue(precision, out var t) ? $"{G(t)} GOPS theoretical" : "-";
            var measured = h.MeasuredPeakGops.TryGetValue(precision, out var m) ? $"[bold]{G(m)} GOPS measured[/]" : "not measured";
            table.AddRow($"Peak {precision.ToString().ToUpperInvariant()}", $"{measured}, {Esc(theoretical)}");
        }
        table.AddRow("Memory bandwidth", h.MeasuredBandwidthGBps is { } bw ? $"[bold]{F(bw)} GB/s measured[/]" : "not measured");
        table.AddRow("Methods", $"[dim]{Esc($"{h.PeakMethod} | {h.MeasureMethod} | {h.BandwidthMethod}")}[/]");
        console.Write(table);
    }

    private static string Size(long bytes) => bytes >= 1L << 30 ? $"{F(bytes / (double)(1L << 30))} GiB"
        : bytes >= 1L << 20 ? $"{F(bytes / (double)(1L << 20))} MiB" : $"{F(bytes / 1024.0)} KiB";

    private static string Peaks(EdgeDevice d, ComputeUnitKind kind)
    {
        var fp16 = d.BestUnit(kind, Precision.Fp16)?.PeakGops[Precision.Fp16];
        var int8 = d.BestUnit(kind, Precision.Int8)?.PeakGops[Precision.Int8];
        return fp16 is null && int8 is null ? "-" : $"{G(fp16)} / {G(int8)}";
    }

    private static string Peak(ComputeUnit u, Precision p) => u.PeakGops.TryGetValue(p, out var v) ? G(v) : "-";

    private static string G(double? gops) => gops is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "-";

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Esc(string text) => Markup.Escape(text);
}
