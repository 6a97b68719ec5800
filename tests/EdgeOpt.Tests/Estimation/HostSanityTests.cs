using System.Diagnostics;
using EdgeOpt.Analysis;
using EdgeOpt.Cli;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Tests.Estimation;

/// <summary>
/// A loose sanity bound only: the estimate for this host must land within 4× of a quick ONNX Runtime measurement.
/// The real calibration (±35% goal, three models, 1 and all threads) is the bench mode estimate-calibration.
/// The probe's measured peaks come from C# micro-benchmarks, which a Debug build of the library runs unoptimized, so
/// this test uses its ISA-derived peaks (its bandwidth is measured either way; both models here are compute- or cache-bound).
/// </summary>
public sealed class HostSanityTests
{
    [Fact]
    public void Host_estimate_of_resnet18_is_within_4x_of_a_quick_measurement()
    {
        using var model = Model.Load(Fixtures.ResNet18);
        var estimate = LatencyEstimator.Estimate(model, HostDevice());
        var measured = MedianMs(model, runs: 5);

        Assert.InRange(estimate.TotalMs / measured, 0.25, 4.0);
    }

    [Fact]
    public void Host_estimate_of_the_demo_cnn_is_within_4x_of_a_quick_measurement()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var estimate = LatencyEstimator.Estimate(model, HostDevice());
        var measured = MedianMs(model, runs: 50);

        Assert.InRange(estimate.TotalMs / measured, 0.25, 4.0);
    }

    private static EdgeDevice HostDevice()
    {
        var host = HostProbe.Current;
        var device = host.ToEdgeDevice();
        if (host.TheoreticalPeakGops.Count == 0) return device;
        var cpu = device.ComputeUnits.First(u => u.Kind == ComputeUnitKind.Cpu);
        return device with { ComputeUnits = [cpu with { PeakGops = host.TheoreticalPeakGops, Source = host.PeakMethod }] };
    }

    private static double MedianMs(Model model, int runs)
    {
        using var session = SessionFactory.Create(model);
        var inputs = InputGenerator.Random(model, seed: 1)
            .Select(kv => NamedOnnxValue.CreateFromTensor(kv.Key, new DenseTensor<float>(kv.Value.ToSingleArray(), kv.Value.Dims.Select(d => (int)d).ToArray())))
            .ToList();
        var samples = new List<double>();
        for (var i = 0; i < runs + 3; i++)
        {
            var watch = Stopwatch.StartNew();
            using var results = session.Run(inputs);
            if (i >= 3) samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        samples.Sort();
        return samples[samples.Count / 2];
    }
}
