using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeOpt.DemoTrainer;

internal sealed record TrainOptions(int Epochs, int BatchSize, double LearningRate, double WeightDecay, int Seed, int Threads);

internal sealed record TrainResult(WeightsFile Weights, long ParameterCount, double TestAccuracy, double Subset1000Accuracy, TimeSpan Elapsed);

/// <summary>Trains <see cref="FashionCnn"/> on CPU with Adam and a cosine learning-rate schedule.</summary>
internal static class Trainer
{
    public static TrainResult Train(IdxDataSet train, IdxDataSet test, TrainOptions options)
    {
        torch.set_num_threads(options.Threads);
        torch.random.manual_seed(options.Seed);
        var shuffler = new Random(options.Seed);

        using var model = new FashionCnn();
        var parameterCount = model.parameters().Sum(p => p.numel());
        Log($"FashionCnn: {parameterCount:N0} trainable parameters; {train.Count} train / {test.Count} test images; " +
            $"{options.Epochs} epochs, batch {options.BatchSize}, Adam lr {options.LearningRate}, weight decay {options.WeightDecay}, seed {options.Seed}, {options.Threads} threads");

        using var trainX = ToInput(train);
        using var trainY = torch.tensor(train.Labels.Select(b => (long)b).ToArray());
        using var testX = ToInput(test);

        using var optimizer = torch.optim.Adam(model.parameters(), lr: options.LearningRate, weight_decay: options.WeightDecay);
        var scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, options.Epochs);
        var order = Enumerable.Range(0, train.Count).ToArray();
        var total = Stopwatch.StartNew();

        for (var epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var epochWatch = Stopwatch.StartNew();
            model.train();
            shuffler.Shuffle(order);
            double lossSum = 0;
            long correct = 0;
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                using var scope = torch.NewDisposeScope();
                var count = Math.Min(options.BatchSize, order.Length - start);
                var index = torch.tensor(order.AsSpan(start, count).ToArray().Select(i => (long)i).ToArray());
                var x = trainX.index_select(0, index);
                var y = trainY.index_select(0, index);
                optimizer.zero_grad();
                var logits = model.call(x);
                var loss = nn.functional.cross_entropy(logits, y);
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * count;
                correct += logits.argmax(1).eq(y).sum().item<long>();
            }

            scheduler.step();
            var predictions = Predict(model, testX);
            Log(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch}/{options.Epochs}: loss {lossSum / train.Count:F4}, train acc {100.0 * correct / train.Count:F2}%, " +
                $"test acc {100 * Accuracy(predictions, test.Labels, test.Count):F2}%, {epochWatch.Elapsed.TotalSeconds:F1}s"));
        }

        total.Stop();
        var final = Predict(model, testX);
        var testAccuracy = Accuracy(final, test.Labels, test.Count);
        var subsetAccuracy = Accuracy(final, test.Labels, Math.Min(1000, test.Count));
        Log(string.Create(CultureInfo.InvariantCulture,
            $"TorchSharp: test accuracy {100 * testAccuracy:F2}% (10,000), {100 * subsetAccuracy:F2}% (first 1,000); trained in {total.Elapsed.TotalSeconds:F0}s"));

        var weights = new WeightsFile();
        foreach (var (name, tensor) in model.state_dict())
        {
            if (tensor.dtype != ScalarType.Float32)
            {
                continue; // num_batches_tracked (int64) is training-only state.
            }

            using var cpu = tensor.detach().cpu().contiguous();
            weights.Tensors.Add(new NamedTensor(name, cpu.shape, cpu.data<float>().ToArray()));
        }

        var inv = CultureInfo.InvariantCulture;
        weights.Metadata["architecture"] = "conv3x3(1->16)+bn+relu+maxpool2, conv3x3(16->32)+bn+relu+maxpool2, conv3x3(32->64)+bn+relu+maxpool2, flatten, gemm(576->128)+relu, gemm(128->10)";
        weights.Metadata["bn_epsilon"] = FashionCnn.BnEpsilon.ToString("R", inv);
        weights.Metadata["parameters"] = parameterCount.ToString(inv);
        weights.Metadata["epochs"] = options.Epochs.ToString(inv);
        weights.Metadata["batch_size"] = options.BatchSize.ToString(inv);
        weights.Metadata["learning_rate"] = options.LearningRate.ToString("R", inv);
        weights.Metadata["weight_decay"] = options.WeightDecay.ToString("R", inv);
        weights.Metadata["seed"] = options.Seed.ToString(inv);
        weights.Metadata["torch_test_accuracy"] = testAccuracy.ToString("R", inv);
        weights.Metadata["torch_test1000_accuracy"] = subsetAccuracy.ToString("R", inv);
        weights.Metadata["train_seconds"] = total.Elapsed.TotalSeconds.ToString("F0", inv);
        weights.Metadata["torchsharp_version"] = typeof(torch).Assembly.GetName().Version?.ToString() ?? "?";
        return new TrainResult(weights, parameterCount, testAccuracy, subsetAccuracy, total.Elapsed);
    }

    /// <summary>Pixels as float [N,1,rows,cols] scaled to [0,1] (pixel/255), the model's input convention.</summary>
    public static Tensor ToInput(IdxDataSet data) =>
        torch.tensor(data.Pixels, [data.Count, 1, data.Rows, data.Cols]).to(ScalarType.Float32).div_(255f);

    public static double Accuracy(IReadOnlyList<int> predictions, byte[] labels, int count)
    {
        var correct = 0;
        for (var i = 0; i < count; i++)
        {
            if (predictions[i] == labels[i])
            {
                correct++;
            }
        }

        return (double)correct / count;
    }

    public static void Log(string message) => Console.Error.WriteLine(message);

    /// <summary>Rebuilds the TorchSharp model from a weights file (for comparing logits with ONNX Runtime).</summary>
    public static float[] Logits(WeightsFile weights, IdxDataSet data, int threads)
    {
        torch.set_num_threads(threads);
        using var model = new FashionCnn();
        using (torch.no_grad())
        {
            foreach (var (name, tensor) in model.state_dict())
            {
                if (tensor.dtype == ScalarType.Float32)
                {
                    var w = weights[name];
                    using var source = torch.tensor(w.Data, w.Dims);
                    tensor.copy_(source);
                }
            }
        }

        model.eval();
        using var noGrad = torch.no_grad();
        using var x = ToInput(data);
        var result = new float[data.Count * FashionCnn.Classes];
        for (long start = 0; start < data.Count; start += 1000)
        {
            using var scope = torch.NewDisposeScope();
            var count = Math.Min(1000, data.Count - start);
            model.call(x.narrow(0, start, count)).contiguous().data<float>().ToArray().CopyTo(result, start * FashionCnn.Classes);
        }

        return result;
    }

    private static int[] Predict(FashionCnn model, Tensor x)
    {
        model.eval();
        using var noGrad = torch.no_grad();
        var result = new int[x.shape[0]];
        for (long start = 0; start < x.shape[0]; start += 1000)
        {
            using var scope = torch.NewDisposeScope();
            var count = Math.Min(1000, x.shape[0] - start);
            var predictions = model.call(x.narrow(0, start, count)).argmax(1).to(ScalarType.Int32);
            predictions.data<int>().ToArray().CopyTo(result, start);
        }

        return result;
    }
}
