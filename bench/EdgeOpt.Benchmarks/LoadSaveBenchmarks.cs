using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using EdgeOpt.Onnx;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// Loading and saving ResNet18 (63 MB) next to a plain copy of the same file. The copy is the floor for any
/// load+save (read every byte, write every byte), so the ratio column is what going through the IR costs.
/// The model stays in the page cache between iterations: these are warm-cache figures.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class LoadSaveBenchmarks
{
    private const int BufferSize = 1 << 16;
    private string _source = "";
    private string _folder = "";
    private string _target = "";

    [GlobalSetup]
    public void Setup()
    {
        _source = BenchmarkFixtures.ResNet18;
        _folder = BenchmarkFixtures.CreateScratchFolder();
        _target = Path.Combine(_folder, "out.onnx");
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);

    /// <summary>Reads the file and writes its bytes through streams, as a program without IR would.</summary>
    [Benchmark(Baseline = true, Description = "Copy file (FileStream.CopyTo)")]
    public long CopyFile()
    {
        using var input = new FileStream(_source, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        using var output = new FileStream(_target, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize);
        input.CopyTo(output, BufferSize);
        return output.Length;
    }

    /// <summary>The OS copy (copy_file_range on Linux): bytes never enter the process.</summary>
    [Benchmark(Description = "Copy file (File.Copy)")]
    public long CopyFileOs()
    {
        File.Copy(_source, _target, overwrite: true);
        return new FileInfo(_target).Length;
    }

    /// <summary>Parses the graph; weights stay unread views of the mapped file.</summary>
    [Benchmark(Description = "Load")]
    public int Load()
    {
        using var model = Model.Load(_source);
        return model.Graph.Nodes.Count;
    }

    /// <summary>Load, then read every weight once (what an inspect or statistics pass does).</summary>
    [Benchmark(Description = "Load + read all weights")]
    public double LoadAndReadWeights()
    {
        using var model = Model.Load(_source);
        double sum = 0;
        foreach (var value in model.Graph.Initializers)
        {
            if (value.Initializer is not { } tensor) continue;
            sum += tensor.DataType == DataType.Float
                ? TensorPrimitives.Sum(MemoryMarshal.Cast<byte, float>(tensor.RawBytes))
                : tensor.RawBytes.Length;
        }
        return sum;
    }

    /// <summary>Load and save to a new file (atomic write: temporary sibling, then rename).</summary>
    [Benchmark(Description = "Load + save")]
    public long LoadAndSave()
    {
        using var model = Model.Load(_source);
        model.Save(_target);
        return new FileInfo(_target).Length;
    }
}
