using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Power;

namespace EdgeOpt.Tests.Power;

/// <summary>
/// <see cref="PowerAnalyzer"/> through its public API on the ResNet18 fixture and the embedded demo model: energy adds up,
/// INT8 costs less than FP32, lower modes are slower but cheaper per inference, battery and thermal arithmetic follow
/// their formulas, and a device without power figures is refused naming what is missing.
/// </summary>
public sealed class PowerAnalyzerTests : IClassFixture<PowerAnalyzerTests.ResNet>
{
    public sealed class ResNet : IDisposable
    {
        public Model Model { get; } = Model.Load(Fixtures.ResNet18);

        public void Dispose() => Model.Dispose();
    }

    private readonly Model _resnet;

    public PowerAnalyzerTests(ResNet fixture) => _resnet = fixture.Model;

    private static EdgeDevice Device(string id) => DeviceCatalog.Find(id);

    [Fact]
    public void Energy_splits_into_parts_that_add_up_and_power_is_energy_over_time()
    {
        var report = PowerAnalyzer.Analyze(_resnet, Device("pixel-8"));

        var e = report.Selected.Energy;
        Assert.Equal("estimated", report.Provenance);
        Assert.True(e.ComputeJ > 0 && e.DataMovementJ > 0 && e.IdleJ > 0);
        Assert.Equal(e.ComputeJ + e.DataMovementJ + e.LeakageJ + e.IdleJ, e.TotalJ, 12);
        Assert.Equal(e.TotalJ / (report.Selected.LatencyMs / 1e3), report.Selected.ActivePowerW, 9);
        Assert.Equal(3, report.Modes.Count);
        Assert.Equal(2_044_772_352, report.Macs); // as edgeopt inspect counts this ResNet18
        Assert.Contains("Horowitz", report.Method + string.Join(" ", report.Coefficients.Select(c => c.Source)), StringComparison.Ordinal);
        Assert.Contains(report.Coefficients, c => c.Fitted);
    }

    [Fact]
    public void Int8_costs_less_energy_than_fp32_on_the_same_unit()
    {
        var fp32 = PowerAnalyzer.Analyze(_resnet, Device("pixel-8"), new PowerOptions { Precision = Precision.Fp32, Unit = ComputeUnitKind.Cpu });
        var int8 = PowerAnalyzer.Analyze(_resnet, Device("pixel-8"), new PowerOptions { Precision = Precision.Int8, Unit = ComputeUnitKind.Cpu });

        Assert.True(int8.Selected.Energy.ComputeJ < fp32.Selected.Energy.ComputeJ / 4, $"{int8.Selected.Energy.ComputeJ} vs {fp32.Selected.Energy.ComputeJ}");
        Assert.True(int8.Selected.Energy.TotalJ < fp32.Selected.Energy.TotalJ);
    }

    [Fact]
    public void Lower_modes_are_slower_and_cheaper_per_inference_and_voltage_enters_squared()
    {
        var report = PowerAnalyzer.Analyze(_resnet, Device("galaxy-s23"));
        var (perf, balanced, saver) = (report.Modes[0], report.Modes[1], report.Modes[2]);

        Assert.Equal([PowerModeKind.Performance, PowerModeKind.Balanced, PowerModeKind.BatterySaver], report.Modes.Select(m => m.Mode));
        Assert.True(perf.LatencyMs < balanced.LatencyMs && balanced.LatencyMs < saver.LatencyMs);
        Assert.True(perf.Energy.ComputeJ > balanced.Energy.ComputeJ && balanced.Energy.ComputeJ > saver.Energy.ComputeJ);
        // Generic points: V/Vmax = 0.6 + 0.4 f; compute energy scales with V².
        var v = EnergyCoefficients.VoltageScale(saver.Point.ClockScale);
        Assert.Equal(perf.Energy.ComputeJ * v * v, saver.Energy.ComputeJ, perf.Energy.ComputeJ * 1e-9);
    }

    [Fact]
    public void Vendor_modes_replace_the_generic_ones_on_a_jetson()
    {
        var report = PowerAnalyzer.Analyze(_resnet, Device("jetson-agx-orin"), new PowerOptions { Precision = Precision.Fp16, Unit = ComputeUnitKind.Gpu });

        Assert.Equal(["MAXN", "30W", "15W"], report.Modes.Select(m => m.Point.Name));
        Assert.Equal(30, report.Modes[1].Point.PowerCapW);
        Assert.True(report.Modes[2].LatencyMs > report.Modes[0].LatencyMs);
        Assert.True(report.Selected.Energy.LeakageJ > 0, "the Orin GPU's published active power gives it leakage");
    }

    [Fact]
    public void Battery_life_is_capacity_over_baseline_plus_the_models_power_at_the_rate()
    {
        var device = Device("pixel-8");
        var report = PowerAnalyzer.Analyze(_resnet, device, new PowerOptions { RatePerSecond = 5 });

        var b = report.Battery;
        var modelW = 5 * report.Selected.Energy.ModelJ;
        Assert.Equal(modelW, b.ModelW, 1e-9);
        Assert.Equal(device.BatteryWh!.Value / (device.Power!.EffectiveBaselineW + modelW), b.Hours!.Value, 1e-9);
        Assert.Equal(modelW / (device.Power.EffectiveBaselineW + modelW), b.ModelShare, 1e-9);
        Assert.Matches(@"^Expected battery life: \d+\.\d h$", b.Summary);
        Assert.NotNull(b.PacedW);
        Assert.Contains(b.PacedW < b.RaceToIdleW ? "paced" : "race-to-idle", b.Winner, StringComparison.Ordinal);
        Assert.Equal(report.Selected.BatteryHours!.Value, b.Hours.Value, 1e-9);
    }

    [Fact]
    public void A_duty_cycle_is_a_rate_and_a_rate_the_mode_cannot_meet_is_flagged()
    {
        var half = PowerAnalyzer.Analyze(_resnet, Device("pixel-8"), new PowerOptions { DutyCycle = 0.5 });
        Assert.Equal(0.5 * 1e3 / half.Selected.LatencyMs, half.Battery.RatePerSecond, 1e-9);

        var tooFast = PowerAnalyzer.Analyze(_resnet, Device("pixel-8"), new PowerOptions { RatePerSecond = 1000 });
        Assert.All(tooFast.Modes, m => Assert.False(m.MeetsRate));
        Assert.All(tooFast.Modes, m => Assert.Null(m.BatteryHours));
        Assert.Null(tooFast.Battery.PacedW);
    }

    [Fact]
    public void A_board_without_a_battery_has_no_hours_unless_one_is_given()
    {
        var none = PowerAnalyzer.Analyze(_resnet, Device("raspberry-pi-4"), new PowerOptions { RatePerSecond = 1 });
        var pack = PowerAnalyzer.Analyze(_resnet, Device("raspberry-pi-4"), new PowerOptions { RatePerSecond = 1, BatteryWh = 37 });

        Assert.Null(none.Battery.Hours);
        Assert.Contains("no battery", none.Battery.Summary, StringComparison.Ordinal);
        Assert.Equal(37 / (3.0 + pack.Battery.ModelW), pack.Battery.Hours!.Value, 1e-9);
    }

    [Fact]
    public void Thermal_follows_the_rc_model_and_recommends_when_over_the_limit()
    {
        var device = Device("pixel-8");
        var hot = PowerAnalyzer.Analyze(_resnet, device, new PowerOptions { AmbientC = 35 }); // back to back, on a warm day
        var t = hot.Thermal;

        var r = (45 - 25) / device.SustainedPowerW!.Value;
        Assert.Equal(r, t.ResistanceCPerW, 1e-9);
        Assert.Equal(35 + (t.PowerW * r), t.SteadyStateC, 1e-9);
        Assert.True(t.SteadyStateC > t.LimitC);
        Assert.Equal(-300 * Math.Log(1 - ((45 - 35) / (t.PowerW * r))), t.SecondsToLimit!.Value, 1e-6);
        Assert.True(t.ThrottledLatencyMs > hot.Selected.LatencyMs);
        Assert.Contains(t.Recommendations, a => a.StartsWith("lower the rate to", StringComparison.Ordinal));
        Assert.Contains(t.Recommendations, a => a.StartsWith("quantize to INT8", StringComparison.Ordinal));
        Assert.True(t.MaxSustainedRatePerSecond < 1e3 / hot.Selected.LatencyMs);

        var cool = PowerAnalyzer.Analyze(_resnet, device, new PowerOptions { RatePerSecond = 1 });
        Assert.Null(cool.Thermal.SecondsToLimit);
        Assert.Null(cool.Thermal.ThrottledLatencyMs);
        Assert.StartsWith("none needed", Assert.Single(cool.Thermal.Recommendations), StringComparison.Ordinal);
    }

    [Fact]
    public void A_symbolic_dim_is_sized_by_DimensionValues_and_refused_naming_it_without()
    {
        var b = new GraphBuilder("seq-matmul");
        var x = b.Input("x", DataType.Float, Dim.Of(1), Dim.Symbolic("sequence"), Dim.Of(64));
        var w = b.Initializer("w", new float[64 * 64], 64, 64);
        b.Output(b.Op("MatMul", [x, w]), "y");
        using var model = b.Build();

        var e = Assert.Throws<UsageException>(() => PowerAnalyzer.Analyze(model, Device("pixel-8")));
        Assert.Contains("symbolic dim 'sequence'", e.Message, StringComparison.Ordinal);

        var report = PowerAnalyzer.Analyze(model, Device("pixel-8"), new PowerOptions { DimensionValues = new Dictionary<string, long> { ["sequence"] = 128 } });
        Assert.Equal(128 * 64 * 64, report.Macs);
        Assert.True(report.Selected.Energy.ComputeJ > 0);
    }

    [Fact]
    public void A_device_without_power_figures_is_refused_naming_what_is_missing()
    {
        var e = Assert.Throws<UsageException>(() => PowerAnalyzer.Analyze(_resnet, Device("chrome-desktop")));

        Assert.Contains("has no power figures", e.Message, StringComparison.Ordinal);
        Assert.Contains("processNm, idleW, thermalLimitC, thermalTimeConstantS", e.Message, StringComparison.Ordinal);
        Assert.Contains("device.json", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData(-1.0, null, "RatePerSecond must be a positive number")]
    [InlineData(0.0, null, "RatePerSecond must be a positive number")]
    [InlineData(null, 0.0, "DutyCycle must be in (0, 1]")]
    [InlineData(null, 1.5, "DutyCycle must be in (0, 1]")]
    [InlineData(2.0, 0.5, "cannot both be given")]
    public void Bad_options_are_refused_naming_the_option(double? rate, double? duty, string expected)
    {
        var e = Assert.Throws<InvalidOptionsException>(() => PowerAnalyzer.Analyze(_resnet, Device("pixel-8"), new PowerOptions { RatePerSecond = rate, DutyCycle = duty }));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_catalogue_power_figure_has_a_source()
    {
        var withPower = DeviceCatalog.All.Where(d => d.Power is not null).ToList();
        Assert.True(withPower.Count >= 7);
        foreach (var d in withPower)
        {
            var p = d.Power!;
            var fields = new List<string> { "processNm", "idleW", "thermalLimitC", "thermalTimeConstantS" };
            if (p.BaselineW is not null) fields.Add("baselineW");
            if (p.Units.Count > 0) fields.Add("units");
            if (p.Modes.Count > 0) fields.Add("modes");
            foreach (var f in fields)
                Assert.True(p.Sources.TryGetValue(f, out var s) && s.Length >= 15, $"{d.Id}: power.{f} has no source");
            Assert.NotNull(PowerAnalyzer.Require(d));
        }
    }
}
