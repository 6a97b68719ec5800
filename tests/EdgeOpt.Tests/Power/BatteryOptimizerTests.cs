using System.Globalization;
using EdgeOpt.Cli;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Power;

namespace EdgeOpt.Tests.Power;

/// <summary>
/// <see cref="BatteryOptimizer"/> on the demo model: the choice meets every constraint and lives longest, INT8 on an
/// NPU costs less energy than FP32, dynamic scaling widens the modes, an unreachable target names the best achievable,
/// and bad options or devices without power figures are refused with the option or figure named.
/// </summary>
public sealed class BatteryOptimizerTests : IDisposable
{
    private readonly Model _model = Model.Parse(DemoAssets.ModelBytes());

    private static EdgeDevice Phone => DeviceCatalog.Find("iphone-15-pro") ?? throw new InvalidOperationException("iphone-15-pro missing");

    public void Dispose() => _model.Dispose();

    [Fact]
    public void The_choice_meets_every_constraint_and_lives_longest_among_the_feasible()
    {
        var config = new BatteryOptimizationConfig { TargetBatteryLifeHours = 1, RatePerSecond = 30, MaxPowerWatts = 20, PerformancePenaltyTolerance = 2 };

        var result = BatteryOptimizer.OptimizeForBattery(_model, Phone, config);

        var chosen = result.Chosen;
        Assert.True(chosen.Feasible, string.Join("; ", chosen.Rejections));
        Assert.True(chosen.BatteryHours >= config.TargetBatteryLifeHours);
        Assert.True(chosen.AveragePowerW <= config.MaxPowerWatts);
        Assert.True(chosen.SteadyStateC <= result.PowerAnalysis.Thermal.LimitC);
        Assert.True(chosen.LatencyPenalty <= config.PerformancePenaltyTolerance);
        Assert.True(chosen.LatencyMs * config.RatePerSecond / 1e3 <= 1);
        var feasible = result.Candidates.Where(c => c.Feasible).ToList();
        Assert.All(feasible, c => Assert.True(c.BatteryHours <= chosen.BatteryHours + 1e-9, $"{c.Label}: {c.BatteryHours} h > chosen {chosen.BatteryHours} h"));
        Assert.All(result.Candidates.Where(c => !c.Feasible), c => Assert.NotEmpty(c.Rejections));
        // The seed's power_analysis['battery_life_estimate'] is the chosen candidate's.
        Assert.Equal(chosen.BatteryHours!.Value, result.BatteryLifeEstimate.Hours!.Value, 9);
        Assert.Equal(chosen.Precision, result.PowerAnalysis.Precision);
        Assert.Equal(chosen.Unit, result.PowerAnalysis.Unit);
    }

    [Fact]
    public void Int8_on_the_NPU_costs_less_energy_per_inference_than_fp32_on_the_CPU()
    {
        var result = BatteryOptimizer.OptimizeForBattery(_model, Phone, new BatteryOptimizationConfig { TargetBatteryLifeHours = 0.1, DynamicScaling = false });

        var int8 = Assert.Single(result.Candidates, c => c.Precision == Precision.Int8 && c.Unit == ComputeUnitKind.Npu);
        var fp32 = Assert.Single(result.Candidates, c => c.Precision == Precision.Fp32 && c.Unit == ComputeUnitKind.Cpu);
        Assert.True(int8.EnergyPerInferenceJ < fp32.EnergyPerInferenceJ, $"int8 NPU {int8.EnergyPerInferenceJ} J vs fp32 CPU {fp32.EnergyPerInferenceJ} J");
        Assert.True(int8.BatteryHours >= fp32.BatteryHours);
        // Every precision is one the unit lists a peak for: no FP32 on the NPU.
        Assert.DoesNotContain(result.Candidates, c => c.Unit == ComputeUnitKind.Npu && c.Precision == Precision.Fp32);
    }

    [Fact]
    public void Without_dynamic_scaling_only_the_performance_mode_is_weighed()
    {
        var fixedClock = BatteryOptimizer.OptimizeForBattery(_model, Phone, new BatteryOptimizationConfig { TargetBatteryLifeHours = 0.1, DynamicScaling = false });
        var scaled = BatteryOptimizer.OptimizeForBattery(_model, Phone, new BatteryOptimizationConfig { TargetBatteryLifeHours = 0.1 });

        Assert.All(fixedClock.Candidates, c => Assert.Equal(PowerModeKind.Performance, c.Mode));
        Assert.Equal(PowerModeKind.Performance, fixedClock.Chosen.Mode);
        Assert.Equal(Enum.GetValues<PowerModeKind>(), scaled.Candidates.Select(c => c.Mode).Distinct().Order());
        Assert.Equal(3 * fixedClock.Candidates.Count, scaled.Candidates.Count);
        // More choice can only help: the scaled choice lives at least as long.
        Assert.True(scaled.Chosen.BatteryHours >= fixedClock.Chosen.BatteryHours - 1e-9);
    }

    [Fact]
    public void A_latency_tolerance_of_zero_keeps_only_the_fastest()
    {
        var result = BatteryOptimizer.OptimizeForBattery(_model, Phone, new BatteryOptimizationConfig { TargetBatteryLifeHours = 0.1, PerformancePenaltyTolerance = 0 });

        var fastest = result.Candidates.Min(c => c.LatencyMs);
        Assert.Equal(fastest, result.Chosen.LatencyMs, 9);
        Assert.Contains(result.Candidates, c => c.Rejections.Any(r => r.Contains("tolerance", StringComparison.Ordinal)));
    }

    [Fact]
    public void An_unreachable_target_names_the_best_achievable_battery_life()
    {
        var reachable = BatteryOptimizer.OptimizeForBattery(_model, Phone, new BatteryOptimizationConfig { TargetBatteryLifeHours = 0.1 });
        var best = reachable.Candidates.MaxBy(c => c.BatteryHours ?? 0)!;

        var e = Assert.Throws<BatteryTargetException>(() =>
            BatteryOptimizer.OptimizeForBattery(_model, Phone, new BatteryOptimizationConfig { TargetBatteryLifeHours = 100_000 }));

        Assert.Equal(best.BatteryHours!.Value, e.BestHours!.Value, 9);
        Assert.Equal(100_000, e.TargetHours);
        Assert.Equal(
            $"battery target 100000 h cannot be met: best is {best.BatteryHours.Value.ToString("F1", CultureInfo.InvariantCulture)} h ({best.Label})",
            e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.All(e.Candidates, c => Assert.Contains(c.Rejections, r => r.StartsWith("battery ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Bad_values_give_a_problem_naming_each_option()
    {
        var config = new BatteryOptimizationConfig
        {
            TargetBatteryLifeHours = 0, MaxPowerWatts = -1, RatePerSecond = -2, DutyCycle = 1.5, BatteryWh = 0, PerformancePenaltyTolerance = -0.1,
            ThermalLimitCelsius = 10,
        };

        var names = config.Validate().SelectMany(p => p.Names).ToHashSet();

        foreach (var member in new[] { "TargetBatteryLifeHours", "MaxPowerWatts", "RatePerSecond", "DutyCycle", "BatteryWh", "PerformancePenaltyTolerance", "ThermalLimitCelsius" })
            Assert.Contains($"BatteryOptimizationConfig.{member}", names);
        Assert.Empty(new BatteryOptimizationConfig().Validate());
        var both = new BatteryOptimizationConfig { RatePerSecond = 1, DutyCycle = 0.5 }.Validate();
        Assert.Equal(["BatteryOptimizationConfig.RatePerSecond", "BatteryOptimizationConfig.DutyCycle"], Assert.Single(both).Names);
        Assert.Throws<InvalidOptionsException>(() => BatteryOptimizer.OptimizeForBattery(_model, Phone, config));
    }

    [Fact]
    public void A_device_without_power_figures_is_refused_in_one_line_naming_them()
    {
        var browser = DeviceCatalog.Find("chrome-desktop")!;

        var e = Assert.Throws<UsageException>(() => BatteryOptimizer.OptimizeForBattery(_model, browser, new BatteryOptimizationConfig()));

        Assert.Contains("has no power figures", e.Message, StringComparison.Ordinal);
        Assert.Contains("idleW", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_board_without_a_battery_needs_a_capacity_and_then_uses_it()
    {
        var board = DeviceCatalog.Find("firefly-rk3588s")!;

        var e = Assert.Throws<InvalidOptionsException>(() => BatteryOptimizer.OptimizeForBattery(_model, board, new BatteryOptimizationConfig { TargetBatteryLifeHours = 0.1 }));
        Assert.Contains("BatteryOptimizationConfig.BatteryWh", e.Problems.SelectMany(p => p.Names));

        var small = BatteryOptimizer.OptimizeForBattery(_model, board, new BatteryOptimizationConfig { TargetBatteryLifeHours = 0.1, BatteryWh = 10 });
        var large = BatteryOptimizer.OptimizeForBattery(_model, board, new BatteryOptimizationConfig { TargetBatteryLifeHours = 0.1, BatteryWh = 20 });
        Assert.Equal(2 * small.Chosen.BatteryHours!.Value, large.Chosen.BatteryHours!.Value, 6);
    }
}
