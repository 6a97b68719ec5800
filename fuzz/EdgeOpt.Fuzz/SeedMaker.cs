using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;

namespace EdgeOpt.Fuzz;

/// <summary>
/// Writes seed inputs. <see cref="MakeCommitted"/> makes the small corpora committed under <c>fuzz/corpus/</c> (our own
/// outputs, a covering pick of the ONNX conformance suite and the smallest TFLite Micro fixtures);
/// <see cref="MakeExtra"/> adds the larger seeds <c>fuzz/run.sh</c> generates at run time from the fixtures on the machine.
/// Deterministic: running it again gives the same files.
/// </summary>
internal static class SeedMaker
{
    public const string ConformanceFolder = "/usr/share/libonnx-testdata/data";

    private static readonly string[] OnnxFamily = ["onnx", "shape-inference", "opset-converter"];

    public static void MakeCommitted(string corpus, string repositoryRoot)
    {
        var conformance = ConformanceModels(maxBytes: 2048);
        var covering = CoveringPick(conformance);
        Console.WriteLine($"conformance: {conformance.Count} models ≤ 2 KiB, {covering.Count} cover every operator among them");
        var own = OwnModels();
        foreach (var harness in OnnxFamily)
        {
            var folder = Fresh(corpus, harness);
            foreach (var (name, bytes) in own) Write(folder, harness, name, bytes, 0);
            var i = 0;
            foreach (var path in covering) Write(folder, harness, ConformanceName(path), File.ReadAllBytes(path), i++);
        }

        var external = Fresh(corpus, "onnx-external");
        foreach (var (name, bytes) in ExternalDataModels()) File.WriteAllBytes(Path.Combine(external, name), bytes);

        var tflite = Fresh(corpus, "tflite");
        foreach (var path in SmallestTflitePerKind(Path.Combine(repositoryRoot, "tests/fixtures/tflite-micro"), maxBytes: 16 * 1024))
            File.WriteAllBytes(Path.Combine(tflite, Path.GetFileName(path)), File.ReadAllBytes(path));

        Fill(Fresh(corpus, "npy"), NpySeeds());
        Fill(Fresh(corpus, "npz"), NpzSeeds());
        Fill(Fresh(corpus, "idx"), IdxSeeds());
        Fill(Fresh(corpus, "pb"), PbSeeds().Concat(ConformancePbSeeds(maxBytes: 1024, count: 24)));
        Fill(Fresh(corpus, "manifest"), [("manifest.json", File.ReadAllBytes(Path.Combine(FuzzFixtures.ProgressivePackageFolder, "manifest.json")))]);
        Fill(Fresh(corpus, "plan"), PlanSeeds());
        Fill(Fresh(corpus, "device"), DeviceSeeds());
    }

    /// <summary>Larger seeds for a long run of <paramref name="harness"/> (none for harnesses whose committed corpus is all there is).</summary>
    public static int MakeExtra(string harness, string folder, string repositoryRoot)
    {
        Directory.CreateDirectory(folder);
        var count = 0;
        switch (harness)
        {
            case "onnx" or "shape-inference" or "opset-converter":
                var i = 0;
                foreach (var path in ConformanceModels(maxBytes: 16 * 1024))
                {
                    Write(folder, harness, "extra-" + ConformanceName(path), File.ReadAllBytes(path), i++);
                    count++;
                }
                break;
            case "tflite":
                var fixtures = new[] { Path.Combine(repositoryRoot, "tests/fixtures/tflite-micro"), Path.Combine(repositoryRoot, "tests/EdgeOpt.Tests/Fixtures/npm/node_modules/@mediapipe") };
                foreach (var path in fixtures.Where(Directory.Exists).SelectMany(f => Directory.EnumerateFiles(f, "*.tflite", SearchOption.AllDirectories)).Order(StringComparer.Ordinal))
                {
                    if (new FileInfo(path).Length > 512 * 1024) continue;
                    File.Copy(path, Path.Combine(folder, "extra-" + Path.GetFileName(path)), overwrite: true);
                    count++;
                }
                break;
            case "pb":
                foreach (var (name, bytes) in ConformancePbSeeds(maxBytes: 16 * 1024, count: 400))
                {
                    File.WriteAllBytes(Path.Combine(folder, "extra-" + name), bytes);
                    count++;
                }
                break;
        }
        return count;
    }

    private static string Fresh(string corpus, string harness)
    {
        var folder = Path.Combine(corpus, harness);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        return Directory.CreateDirectory(folder).FullName;
    }

    private static void Fill(string folder, IEnumerable<(string Name, byte[] Bytes)> seeds)
    {
        foreach (var (name, bytes) in seeds) File.WriteAllBytes(Path.Combine(folder, name), bytes);
    }

    /// <summary>The opset-converter harness takes a target-opset byte in front of the model; seeds spread over the targets.</summary>
    private static void Write(string folder, string harness, string name, byte[] bytes, int index)
    {
        if (harness == "opset-converter")
        {
            var span = FuzzHarnesses.MaxTargetOpset - FuzzHarnesses.MinTargetOpset + 1;
            bytes = [(byte)(index * 7 % span), .. bytes];
        }
        File.WriteAllBytes(Path.Combine(folder, name), bytes);
    }

    private static string ConformanceName(string modelPath) => Path.GetFileName(Path.GetDirectoryName(modelPath)!) + ".onnx";

    private static List<string> ConformanceModels(int maxBytes)
    {
        var node = Path.Combine(ConformanceFolder, "node");
        if (!Directory.Exists(node)) return [];
        return [.. Directory.EnumerateDirectories(node).Order(StringComparer.Ordinal)
            .Select(d => Path.Combine(d, "model.onnx"))
            .Where(p => File.Exists(p) && new FileInfo(p).Length <= maxBytes)];
    }

    /// <summary>Smallest first, each model kept when it brings an operator (in any subgraph) no model kept so far has.</summary>
    private static List<string> CoveringPick(List<string> models)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var picked = new List<string>();
        foreach (var path in models.OrderBy(p => new FileInfo(p).Length).ThenBy(p => p, StringComparer.Ordinal))
        {
            if (path.Contains("_expanded", StringComparison.Ordinal)) continue;
            using var model = Model.Load(path);
            var ops = model.Graph.AllNodes().Select(n => n.Domain + ":" + n.OpType).ToList();
            if (ops.Any(seen.Add)) picked.Add(path);
        }
        return [.. picked.Order(StringComparer.Ordinal)];
    }

    private static IEnumerable<string> SmallestTflitePerKind(string folder, int maxBytes)
    {
        if (!Directory.Exists(folder)) return [];
        return Directory.EnumerateFiles(folder, "*.tflite", SearchOption.AllDirectories)
            .Where(p => new FileInfo(p).Length <= maxBytes)
            .GroupBy(p => Path.GetFileNameWithoutExtension(p).TrimEnd("0123456789".ToCharArray()), StringComparer.Ordinal)
            .Select(g => g.OrderBy(p => new FileInfo(p).Length).ThenBy(p => p, StringComparer.Ordinal).First())
            .Order(StringComparer.Ordinal);
    }

    /// <summary>Models EdgeOpt writes itself: the harness fixtures, plus string, sparse, Constant-attribute and external-reference forms.</summary>
    private static List<(string Name, byte[] Bytes)> OwnModels()
    {
        var seeds = new List<(string, byte[])>
        {
            ("own-quantizable.onnx", FuzzFixtures.QuantizableModelBytes()),
            ("own-mlp.onnx", FuzzFixtures.MlpModelBytes()),
        };

        var b = new GraphBuilder("own_constants", opset: 17);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 3);
        var c = b.Op("Constant", [], ("value", Tensor.Create<float>("c", [1f, 2f, 3f], 3)));
        var names = b.Initializer(Tensor.FromStrings("labels", [2], ["cat", "dog"]));
        b.Output(b.Op("Mul", [x, c]), "y");
        b.Output(b.Op("Identity", [names]), "labels_out");
        using (var model = b.Build()) seeds.Add(("own-constants.onnx", model.ToBytes()));
        return seeds;
    }

    /// <summary>Models whose weights live in the external-data folder's files (<see cref="FuzzFixtures.ExternalLocations"/>), one per location.</summary>
    private static List<(string Name, byte[] Bytes)> ExternalDataModels()
    {
        var seeds = new List<(string, byte[])>();
        var folder = Scratch.Sub("seed-external");
        var b = new GraphBuilder("external", opset: 17);
        var x = b.Input("x", DataType.Float, 1, 64);
        var w = b.Initializer("w", Enumerable.Range(0, 64).Select(i => i / 8f).ToArray(), 1, 64);
        var v = b.Initializer("v", Enumerable.Range(0, 256).Select(i => i / 8f).ToArray(), 256);
        var shape = b.Initializer("shape", new long[] { 1, 256 }, 2);
        b.Output(b.Op("Add", [b.Op("Add", [x, w]), b.Op("Slice", [b.Op("Reshape", [v, shape]), b.Initializer("starts", new long[] { 0 }, 1), b.Initializer("ends", new long[] { 64 }, 1), b.Initializer("axes", new long[] { 1 }, 1)])]), "y");
        using var model = b.Build();
        var path = Path.Combine(folder, "model.onnx");
        model.Save(path, new() { ExternalData = true, ExternalDataThreshold = 64, ExternalDataLocation = "weights.bin", ExternalDataAlignment = 16 });
        var bytes = File.ReadAllBytes(path);
        var original = Encoding.ASCII.GetBytes("weights.bin");
        foreach (var location in FuzzFixtures.ExternalLocations)
        {
            var swapped = (byte[])bytes.Clone();
            var replacement = Encoding.ASCII.GetBytes(location);
            for (var at = swapped.AsSpan().IndexOf(original); at >= 0; at = IndexFrom(swapped, original, at + 1))
                replacement.CopyTo(swapped, at);
            seeds.Add(($"external-{location.Replace('/', '_').Replace('.', '_')}.onnx", swapped));
        }
        using var perTensor = Model.Parse(File.ReadAllBytes(path), folder);
        var perTensorPath = Path.Combine(folder, "per-tensor.onnx");
        perTensor.Save(perTensorPath, new() { ExternalData = true, ExternalDataThreshold = 64, ExternalDataFilePerTensor = true, ExternalDataAlignment = 16 });
        seeds.Add(("external-per-tensor.onnx", File.ReadAllBytes(perTensorPath)));
        return seeds;
    }

    private static int IndexFrom(byte[] bytes, byte[] value, int start)
    {
        var at = bytes.AsSpan(start).IndexOf(value);
        return at < 0 ? -1 : start + at;
    }

    private static IEnumerable<(string, byte[])> NpySeeds()
    {
        yield return ("f4-3x2x4.npy", Npy("<f4", "(3, 2, 4)", Floats(24)));
        yield return ("f8-2x4.npy", Npy("<f8", "(2, 4)", MemoryMarshal.AsBytes(Enumerable.Range(0, 8).Select(i => i * 0.5).ToArray().AsSpan()).ToArray()));
        yield return ("f2-1x2x3.npy", Npy("<f2", "(1, 2, 3)", MemoryMarshal.AsBytes(Enumerable.Range(0, 6).Select(i => (Half)i).ToArray().AsSpan()).ToArray()));
        yield return ("i8-5.npy", Npy("<i8", "(5,)", MemoryMarshal.AsBytes(new long[] { 0, 1, 2, 3, 4 }.AsSpan()).ToArray()));
        yield return ("i4-2x2x1.npy", Npy("<i4", "(2, 2, 1)", MemoryMarshal.AsBytes(new[] { 1, 2, 3, 4 }.AsSpan()).ToArray()));
        yield return ("u1-4x1x2x2.npy", Npy("|u1", "(4, 1, 2, 2)", [.. Enumerable.Range(0, 16).Select(i => (byte)i)]));
        yield return ("i1-6.npy", Npy("|i1", "(6,)", [1, 2, 3, 0xFF, 0xFE, 0]));
        yield return ("b1-2x2x2.npy", Npy("|b1", "(2, 2, 2)", [1, 0, 1, 0, 0, 1, 1, 1]));
        yield return ("f4-scalar.npy", Npy("<f4", "()", Floats(1)));
        yield return ("f4-empty.npy", Npy("<f4", "(0, 2, 4)", []));
        yield return ("f4-v2.npy", Npy("<f4", "(2, 2, 2)", Floats(8), major: 2));
        yield return ("f4-v3.npy", Npy("<f4", "(1, 2, 2)", Floats(4), major: 3));
        yield return ("f4-fortran.npy", Npy("<f4", "(2, 2)", Floats(4), fortran: true));
        yield return ("f4-big-endian.npy", Npy(">f4", "(2, 2)", Floats(4)));
    }

    private static IEnumerable<(string, byte[])> NpzSeeds()
    {
        var a = Npy("<f4", "(3, 2)", Floats(6));
        var b = Npy("<i8", "(3,)", MemoryMarshal.AsBytes(new long[] { 0, 1, 2 }.AsSpan()).ToArray());
        yield return ("two-stored.npz", Zip(CompressionLevel.NoCompression, ("a.npy", a), ("b.npy", b)));
        yield return ("two-deflated.npz", Zip(CompressionLevel.Optimal, ("a.npy", a), ("b.npy", b)));
        yield return ("one-stored.npz", Zip(CompressionLevel.NoCompression, ("x.npy", Npy("<f4", "(2, 2, 3)", Floats(12)))));
        yield return ("mismatched-counts.npz", Zip(CompressionLevel.NoCompression, ("a.npy", a), ("b.npy", Npy("<i8", "(2,)", new byte[16]))));
    }

    private static IEnumerable<(string, byte[])> IdxSeeds()
    {
        var images = Idx(0x00000803, [3, 4, 4], [.. Enumerable.Range(0, 48).Select(i => (byte)(i * 5))]);
        var labels = Idx(0x00000801, [3], [1, 7, 9]);
        yield return ("images-3x4x4-idx3-ubyte", images);
        yield return ("images-3x4x4-idx3-ubyte.gz", Gzip(images));
        yield return ("labels-3-idx1-ubyte", labels);
        yield return ("labels-3-idx1-ubyte.gz", Gzip(labels));
    }

    private static IEnumerable<(string, byte[])> PbSeeds()
    {
        yield return ("float-2x2x3.pb", OnnxTensorFile.ToBytes(Tensor.Create<float>("x", Enumerable.Range(0, 12).Select(i => i / 4f).ToArray(), 2, 2, 3)));
        yield return ("int64-4.pb", OnnxTensorFile.ToBytes(Tensor.Create<long>("ids", [1, 2, 3, 4], 4)));
        yield return ("string-2.pb", OnnxTensorFile.ToBytes(Tensor.FromStrings("words", [2], ["a", "bc"])));
        yield return ("float16-1x2x2.pb", OnnxTensorFile.ToBytes(Tensor.Create<Half>("h", [(Half)1, (Half)2, (Half)3, (Half)4], 1, 2, 2)));
        var t1 = OnnxDataValue.FromTensor(Tensor.Create<float>("s0", [1f, 2f], 2));
        var t2 = OnnxDataValue.FromTensor(Tensor.Create<float>("s1", [3f], 1));
        yield return ("sequence-2.pb", OnnxTensorFile.ToBytes(OnnxDataValue.Sequence("seq", OnnxDataKind.Tensor, [t1, t2])));
        yield return ("optional.pb", OnnxTensorFile.ToBytes(OnnxDataValue.Optional("opt", OnnxDataKind.Tensor, t1)));
    }

    /// <summary>Test-data inputs of the conformance suite: every kind of value (tensors, sequences, optionals, maps) the suite feeds.</summary>
    private static IEnumerable<(string, byte[])> ConformancePbSeeds(int maxBytes, int count)
    {
        var node = Path.Combine(ConformanceFolder, "node");
        if (!Directory.Exists(node)) yield break;
        var files = Directory.EnumerateDirectories(node).Order(StringComparer.Ordinal)
            .Select(d => Path.Combine(d, "test_data_set_0", "input_0.pb"))
            .Where(p => File.Exists(p) && new FileInfo(p).Length <= maxBytes)
            .ToList();
        // Values other than plain tensors first (their names say so), then an even spread over the rest.
        var special = files.Where(p => p.Contains("sequence", StringComparison.Ordinal) || p.Contains("optional", StringComparison.Ordinal)).ToList();
        var rest = files.Except(special).ToList();
        var picked = special.Take(count / 2).ToList();
        var step = Math.Max(1, rest.Count / Math.Max(1, count - picked.Count));
        picked.AddRange(rest.Where((_, i) => i % step == 0).Take(count - picked.Count));
        foreach (var path in picked)
            yield return (Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path)))! + ".pb", File.ReadAllBytes(path));
    }

    private static IEnumerable<(string, byte[])> PlanSeeds()
    {
        using var model = FuzzFixtures.QuantizableModel();
        var ranges = model.Graph.AllGraphs().SelectMany(g => g.Values()).Where(v => !v.IsInitializer)
            .ToDictionary(v => v.Name, v => new TensorRange(-1.5f, 2.5f), StringComparer.Ordinal);
        yield return ("default.json", Encoding.UTF8.GetBytes(QdqQuantizer.CreatePlan(model, ranges).ToJson()));
        yield return ("per-tensor-symmetric.json", Encoding.UTF8.GetBytes(QdqQuantizer.CreatePlan(model, ranges,
            new QdqOptions { PerChannel = false, SymmetricActivations = true, ActivationType = QuantizedPrecision.Int8 }).ToJson()));
        var first = QdqQuantizer.QuantizableNodes(model)[0];
        yield return ("excluded.json", Encoding.UTF8.GetBytes(QdqQuantizer.CreatePlan(model, ranges, new QdqOptions { ExcludedNodes = [first] }).ToJson()));
    }

    private static IEnumerable<(string, byte[])> DeviceSeeds()
    {
        var pixel = DeviceCatalog.Find("pixel-8");
        yield return ("minimal.json", Encoding.UTF8.GetBytes(new CustomDevice { Platform = EdgePlatform.Android, Name = "Phone", MemoryGb = 6 }.ToJson()));
        yield return ("full.json", Encoding.UTF8.GetBytes(new CustomDevice
        {
            Platform = EdgePlatform.LinuxEmbedded, Name = "Board X", Cpu = "Cortex-A76", MemoryGb = 8, PeakGflops = 120, MemoryBandwidthGBps = 17,
        }.ToJson()));
        yield return ("power.json", Encoding.UTF8.GetBytes(new CustomDevice
        {
            Platform = EdgePlatform.Android, Name = "Phone with power", Cpu = pixel.Soc, MemoryGb = 8, Power = pixel.Power,
        }.ToJson()));
    }

    private static byte[] Floats(int count) => MemoryMarshal.AsBytes(Enumerable.Range(0, count).Select(i => i * 0.25f).ToArray().AsSpan()).ToArray();

    /// <summary>An .npy file as NumPy writes it (header padded so the data starts on a 64-byte boundary).</summary>
    private static byte[] Npy(string descr, string shape, byte[] data, int major = 1, bool fortran = false)
    {
        var prefix = major == 1 ? 10 : 12;
        var header = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shape}, }}";
        var padded = header.PadRight(((prefix + header.Length + 1 + 63) / 64 * 64) - prefix - 1) + "\n";
        using var stream = new MemoryStream();
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        if (major == 1) stream.Write(BitConverter.GetBytes((ushort)padded.Length));
        else stream.Write(BitConverter.GetBytes((uint)padded.Length));
        stream.Write(Encoding.Latin1.GetBytes(padded));
        stream.Write(data);
        return stream.ToArray();
    }

    private static byte[] Zip(CompressionLevel level, params (string Name, byte[] Bytes)[] entries)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                var entry = zip.CreateEntry(name, level);
                entry.LastWriteTime = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
                using var s = entry.Open();
                s.Write(bytes);
            }
        }
        return stream.ToArray();
    }

    private static byte[] Idx(int magic, int[] dims, byte[] data)
    {
        var bytes = new byte[4 + (4 * dims.Length) + data.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (var i = 0; i < dims.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * i)), dims[i]);
        data.CopyTo(bytes, 4 + (4 * dims.Length));
        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(bytes);
        return stream.ToArray();
    }
}
