using System.Globalization;
using System.Text;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Power;

namespace EdgeOpt.Targets.TensorRt;

/// <summary>
/// Which nvpmodel mode to run (and build the engine) in: the device's performance mode, the highest it sustains, with
/// EdgeOpt.Power's estimates per mode where the catalogue has the device's power figures. nvpmodel mode IDs differ
/// between modules and JetPack releases, so the README looks the ID up by name in /etc/nvpmodel.conf.
/// </summary>
internal static class PowerModeAdvice
{
    /// <param name="Mode">The nvpmodel mode name to use.</param>
    /// <param name="Markdown">The README section.</param>
    /// <param name="Note">One line for the package's notes.</param>
    public sealed record Advice(string Mode, string Markdown, string Note);

    public static Advice For(EdgeDevice? device, Model model, Precision precision, IReadOnlyDictionary<string, long> dims)
    {
        var text = new StringBuilder("## Power mode\n\n");
        if (device is null)
        {
            const string generic = "MAXN";
            AppendCommands(text, generic);
            return new Advice(generic, text.ToString(), "power mode: no device given, so the highest mode (MAXN on most modules) is advised");
        }

        PowerReport? report = null;
        string? why = null;
        if (device.Power is { Modes.Count: > 0 })
        {
            try
            {
                report = PowerAnalyzer.Analyze(model, device, new PowerOptions { Precision = precision, Unit = ComputeUnitKind.Gpu, DimensionValues = dims });
            }
            catch (EdgeOptException e)
            {
                why = e.Message;
            }
        }
        var mode = report?.Modes.First(m => m.Mode == PowerModeKind.Performance).Point.Name ?? TopMode(device);
        text.Append(CultureInfo.InvariantCulture, $"Run {device.Name} in nvpmodel mode **{mode}**, its highest sustained mode, and build the engine in it too: ");
        text.Append("TensorRT times its kernels at the clocks it finds, so an engine built at lower clocks may pick slower kernels for the real ones.\n\n");
        AppendCommands(text, mode);
        if (report is not null)
        {
            text.Append("Estimated by EdgeOpt.Power for the GPU at ").Append(PrecisionName(precision)).Append(" (").Append(report.Method).Append("); ");
            text.Append("nothing here was measured, the device's own figures (trtexec, tegrastats) decide:\n\n");
            text.Append("| mode | nvpmodel | latency (ms) | power while inferring (W) | energy per inference (mJ) |\n|---|---|---:|---:|---:|\n");
            foreach (var m in report.Modes)
                text.Append(CultureInfo.InvariantCulture,
                    $"| {PowerModeNames.Of(m.Mode)} | {m.Point.Name} | {m.LatencyMs:0.##} | {m.ActivePowerW:0.#} | {m.Energy.TotalJ * 1e3:0.##} |\n");
            var frugal = report.Modes.MinBy(m => m.Energy.TotalJ)!;
            text.Append('\n');
            if (frugal.Point.Name != mode)
                text.Append(CultureInfo.InvariantCulture, $"On a power or battery budget, **{frugal.Point.Name}** spends the least energy per inference (estimated).\n\n");
            return new Advice(mode, text.ToString(),
                string.Create(CultureInfo.InvariantCulture, $"power mode: nvpmodel {mode} (estimated {report.Modes.First(m => m.Point.Name == mode).LatencyMs:0.##} ms on the GPU; the least energy per inference in {frugal.Point.Name})"));
        }
        text.Append(why is null
            ? "The catalogue has no power figures for this device, so no per-mode estimates are given.\n\n"
            : $"No per-mode estimates: {why}\n\n");
        return new Advice(mode, text.ToString(), $"power mode: nvpmodel {mode}, the device's highest sustained mode (not estimated: {(why ?? "no power figures in the catalogue")})");
    }

    // The top nvpmodel mode by name (Jetson Linux Developer Guide, Platform Power and Performance) where the catalogue lists no modes.
    private static string TopMode(EdgeDevice device) => device.Id switch
    {
        "jetson-orin-nano" => "15W", // MAXN_SUPER from JetPack 6.2 on
        "jetson-xavier-nx" => "MODE_20W_6CORE",
        _ => "MAXN",
    };

    private static void AppendCommands(StringBuilder text, string mode)
    {
        text.Append("```bash\n");
        text.Append("grep '^< POWER_MODEL' /etc/nvpmodel.conf   # the modes of this module and JetPack, with their IDs\n");
        text.Append(CultureInfo.InvariantCulture, $"sudo nvpmodel -m \"$(sed -n 's/^< POWER_MODEL ID=\\([0-9]*\\) NAME={mode} >.*/\\1/p' /etc/nvpmodel.conf)\"   # mode {mode}\n");
        text.Append("sudo nvpmodel -q                          # check it\n");
        text.Append("sudo jetson_clocks                        # pin the clocks at the mode's maximum (engine build, benchmarks)\n");
        text.Append("```\n\n");
        if (mode == "15W")
            text.Append("With JetPack 6.2 or later the Orin Nano also offers **MAXN_SUPER** (up to 25 W, higher GPU clock): use it where the power supply and cooling allow.\n\n");
        text.Append("nvpmodel mode IDs differ between modules and JetPack releases, hence the lookup by name. ");
        text.Append("`jetson_clocks` raises power draw and heat; leave it off where the device runs on a budget.\n\n");
    }

    private static string PrecisionName(Precision precision) => precision switch
    {
        Precision.Fp16 => "FP16",
        Precision.Int8 => "INT8",
        _ => "FP32",
    };
}
