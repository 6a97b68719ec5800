using System.Globalization;
using EdgeOpt.DemoTrainer;

// Trainer of the embedded demo model and writer of its data fixtures. See README.md.
//   data    writes the test/calibration IDX fixtures into src/EdgeOpt.Cli/Resources/demo/
//   train   trains the CNN with TorchSharp and saves the weights file
//   export  builds the ONNX model from the weights file with EdgeOpt's GraphBuilder
//   verify  runs the ONNX model in ONNX Runtime on the full test split and the 1,000-image subset
//   all     data, train, export, verify
LibTorchSharpCompat.Apply();
var command = args.Length > 0 ? args[0] : "help";
var options = Options.Parse(args.Skip(1).ToArray());

switch (command)
{
    case "data":
        WriteFixtures(options);
        break;
    case "train":
        Train(options);
        break;
    case "export":
        Export(options);
        break;
    case "verify":
        return Verify(options);
    case "all":
        WriteFixtures(options);
        Train(options);
        Export(options);
        return Verify(options);
    default:
        Console.Error.WriteLine(
            """
            usage: EdgeOpt.DemoTrainer <data|train|export|verify|all> [options]
              --dataset DIR     Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)
              --out-dir DIR     fixtures and model (default <repo>/src/EdgeOpt.Cli/Resources/demo)
              --weights FILE    intermediate weights (default /tmp/edgeopt-demo/fashion-cnn.eow)
              --epochs N        (default 8)   --seed N (default 42)   --threads N (default 2)
            """);
        return command == "help" ? 0 : 2;
}

return 0;

static void WriteFixtures(Options o)
{
    Directory.CreateDirectory(o.OutDir);
    var test = LoadSplit(o, "t10k");
    var train = LoadSplit(o, "train");

    var firstThousand = test.Select(Enumerable.Range(0, 1000).ToArray());
    Idx.Save(firstThousand, Path.Combine(o.OutDir, "fashion-test-1000-images-idx3-ubyte.gz"), Path.Combine(o.OutDir, "fashion-test-1000-labels-idx1-ubyte.gz"));

    // Calibration: 50 images per class from the training split, evenly spaced within each class (every
    // (classCount/50)-th image of that class in file order), then kept in file order. No randomness.
    const int perClass = 50;
    var calibration = new List<int>();
    for (var label = 0; label < 10; label++)
    {
        var ofClass = Enumerable.Range(0, train.Count).Where(i => train.Labels[i] == label).ToArray();
        var step = ofClass.Length / perClass;
        calibration.AddRange(Enumerable.Range(0, perClass).Select(k => ofClass[k * step]));
    }

    calibration.Sort();
    var calib = train.Select(calibration);
    Idx.Save(calib, Path.Combine(o.OutDir, "fashion-calib-500-images-idx3-ubyte.gz"), Path.Combine(o.OutDir, "fashion-calib-500-labels-idx1-ubyte.gz"));
    Trainer.Log($"fixtures: 1,000 test + {calib.Count} calibration images (50 per class) written to {o.OutDir}");
}

static void Train(Options o)
{
    var train = LoadSplit(o, "train");
    var test = LoadSplit(o, "t10k");
    var result = Trainer.Train(train, test, new TrainOptions(o.Epochs, BatchSize: 128, LearningRate: 2e-3, WeightDecay: 0, o.Seed, o.Threads));
    result.Weights.Save(o.WeightsPath);
    Trainer.Log($"weights: {o.WeightsPath}");
}

static void Export(Options o)
{
    var weights = WeightsFile.Load(o.WeightsPath);
    var path = Path.Combine(o.OutDir, "fashion-cnn.onnx");
    OnnxExport.Write(weights, path);
    Trainer.Log($"model: {path} ({new FileInfo(path).Length:N0} bytes)");
}

static int Verify(Options o)
{
    var path = Path.Combine(o.OutDir, "fashion-cnn.onnx");
    var test = LoadSplit(o, "t10k");
    var subset = Idx.Load(Path.Combine(o.OutDir, "fashion-test-1000-images-idx3-ubyte.gz"), Path.Combine(o.OutDir, "fashion-test-1000-labels-idx1-ubyte.gz"));
    var (full, first, ortLogits) = OrtVerifier.Run(path, test, subset);
    var inv = CultureInfo.InvariantCulture;
    Trainer.Log(string.Create(inv, $"ONNX Runtime: test accuracy {100 * full:F2}% (10,000), {100 * first:F2}% (1,000-image fixture)"));
    if (File.Exists(o.WeightsPath))
    {
        var weights = WeightsFile.Load(o.WeightsPath);
        if (weights.Metadata.TryGetValue("torch_test_accuracy", out var t) && weights.Metadata.TryGetValue("torch_test1000_accuracy", out var t1))
        {
            var torchFull = double.Parse(t, inv);
            var torchFirst = double.Parse(t1, inv);
            Trainer.Log(string.Create(inv, $"TorchSharp:   test accuracy {100 * torchFull:F2}% (10,000), {100 * torchFirst:F2}% (first 1,000)"));
            if (Math.Abs(torchFull - full) > 0.002 || Math.Abs(torchFirst - first) > 0.002)
            {
                Trainer.Log("MISMATCH: ONNX Runtime and TorchSharp accuracies differ by more than 0.2%.");
                return 1;
            }

            Trainer.Log("OK: ONNX Runtime matches TorchSharp within 0.2%.");
        }

        var torchLogits = Trainer.Logits(weights, test, o.Threads);
        var maxAbs = 0.0;
        var agree = 0;
        for (var n = 0; n < test.Count; n++)
        {
            for (var c = 0; c < 10; c++)
            {
                maxAbs = Math.Max(maxAbs, Math.Abs(torchLogits[(n * 10) + c] - ortLogits[(n * 10) + c]));
            }

            agree += ArgMax(torchLogits.AsSpan(n * 10, 10)) == ArgMax(ortLogits.AsSpan(n * 10, 10)) ? 1 : 0;
        }

        Trainer.Log(string.Create(inv, $"logits, TorchSharp vs ONNX Runtime on 10,000 test images: max abs diff {maxAbs:G3}, top-1 agreement {agree}/{test.Count}"));
        if (maxAbs > 1e-3)
        {
            Trainer.Log("MISMATCH: logits differ by more than 1e-3.");
            return 1;
        }
    }

    return 0;
}

static int ArgMax(ReadOnlySpan<float> values)
{
    var best = 0;
    for (var i = 1; i < values.Length; i++)
    {
        if (values[i] > values[best])
        {
            best = i;
        }
    }

    return best;
}

static IdxDataSet LoadSplit(Options o, string split) =>
    Idx.Load(Path.Combine(o.DatasetDir, $"{split}-images-idx3-ubyte.gz"), Path.Combine(o.DatasetDir, $"{split}-labels-idx1-ubyte.gz"));

internal sealed record Options(string DatasetDir, string OutDir, string WeightsPath, int Epochs, int Seed, int Threads)
{
    public static Options Parse(string[] args)
    {
        var o = new Options("/usr/share/datasets/fashion-mnist", Path.Combine(FindRepoRoot(), "src", "EdgeOpt.Cli", "Resources", "demo"),
            "/tmp/edgeopt-demo/fashion-cnn.eow", Epochs: 8, Seed: 42, Threads: 2);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            o = args[i] switch
            {
                "--dataset" => o with { DatasetDir = value },
                "--out-dir" => o with { OutDir = value },
                "--weights" => o with { WeightsPath = value },
                "--epochs" => o with { Epochs = int.Parse(value, CultureInfo.InvariantCulture) },
                "--seed" => o with { Seed = int.Parse(value, CultureInfo.InvariantCulture) },
                "--threads" => o with { Threads = int.Parse(value, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
            i++;
        }

        return o;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeOpt.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Run from inside the EdgeOpt repository (no EdgeOpt.slnx above the current directory), or pass --out-dir.");
    }
}
