using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeOpt.Benchmarks;

// `peak-memory [model.onnx]` measures one load+save in this fresh process; `interleaved-latency` is below; anything
// else goes to BenchmarkDotNet
// (e.g. `--filter '*'`).
if (args is ["peak-memory", .. var rest]) return PeakMemory.Run(rest);

// `interleaved-latency [--ort none|all] [--threads N] A.onnx B.onnx ...` compares models round-robin under the same load.
if (args is ["interleaved-latency", .. var models]) return InterleavedLatency.Run(models);

// `quantize-speed [MODEL] [--samples N] [--method M]` times one calibrate + quantize + write, step by step.
if (args is ["quantize-speed", .. var quantizeArgs]) return QuantizeSpeed.Run(quantizeArgs);

// `calibration-methods [--models resnet18,demo,blazeface] [--samples N] [--held-out N]`: INT8 accuracy and calibration
// time of every calibration method, bias correction and equalization, as a markdown table.
if (args is ["calibration-methods", .. var methodArgs]) return CalibrationMethods.Run(methodArgs);

// `pruning-figures [--parts curve,demo,int8,unstructured] [--samples N] [--held-out N] [--rounds N]`: the pruning tables of
// docs/benchmarks.md (ResNet18 MACs × cosine × speed with and without reconstruction, demo top-1, prune + INT8, 2:4 and 50%).
if (args is ["pruning-figures", .. var pruningArgs]) return PruningFigures.Run(pruningArgs);

// `candidate-evaluation [--calib N] [--eval N] [--runs N]`: the deploy search's per-candidate evaluation on ResNet18, and a cached rerun.
if (args is ["candidate-evaluation", .. var candidateArgs]) return CandidateEvaluationSpeed.Run(candidateArgs);

// `estimate-calibration [--runs N] [--recalibrate]` compares the host estimate (from the cached ORT kernel calibration) with measured ORT latency.
if (args is ["estimate-calibration", .. var calibrationArgs]) return EstimateCalibration.Run(calibrationArgs);

// `published-estimates` prints the catalogue estimates of ResNet-50 v1.5 against published MLPerf latencies (docs/benchmarks.md).
if (args is ["published-estimates", ..])
{
    Console.WriteLine(EdgeOpt.Tests.Estimation.PublishedLatencies.Table(EdgeOpt.Tests.Estimation.PublishedLatencies.Estimate()));
    return 0;
}

// `progressive-throughput [MODEL] [--runs N]` compares packaging (chunk + hash + write) with a plain copy of the model.
if (args is ["progressive-throughput", .. var progressiveArgs]) return ProgressiveThroughput.Run(progressiveArgs);

// `browser-latency [MODEL] [--threads N] [--runs N] [--rounds N]`: onnxruntime-web (WASM, threads) in Chromium vs native ORT.
if (args is ["browser-latency", .. var browserArgs]) return BrowserLatency.Run(browserArgs);

// `time-to-first-inference [MODEL] [--bandwidth MBps] [--latency-ms N] [--rounds N] [--chunk-size SIZE]`: progressive vs
// monolithic web bundle under Chromium network throttling, cold and warm.
if (args is ["time-to-first-inference", .. var ttfiArgs]) return TimeToFirstInference.Run(ttfiArgs);

// A short in-process job (3 warmups, 10 iterations, one launch): a separate benchmark build of the library and ONNX
// Runtime takes minutes on a 2-core machine, and for I/O-bound work in the 10-1000 ms range the extra isolation
// of a child process buys little. Ten iterations rather than ShortRun's three, because file writes are noisy.
var quick = Job.ShortRun.WithIterationCount(10).WithToolchain(InProcessEmitToolchain.Instance).WithId("Quick-InProcess");
var config = DefaultConfig.Instance.AddJob(quick);
BenchmarkSwitcher.FromAssembly(typeof(LoadSaveBenchmarks).Assembly).Run(args, config);
return 0;
