using System.IO.Compression;
using System.Runtime.InteropServices;
using EdgeOpt.Onnx;
using static EdgeOpt.Tests.BadInput.OnnxMessages;
using static EdgeOpt.Tests.BadInput.ProtoEncoder;

namespace EdgeOpt.Tests.BadInput;

/// <summary>One malformed input: how to lay it out under a scratch folder, and the words its one-line error must contain.</summary>
internal sealed record MalformedModel(string Name, Func<string, string> Create, params string[] Expected)
{
    public override string ToString() => Name;
}

/// <summary>
/// The catalogue of bad inputs. A case writes its files under a scratch root (the model in <c>model/</c>, anything
/// that must stay out of reach in <c>outside/</c>) and returns the path handed to the loader. Files that should be
/// rejected are built from real encodings: a valid model's bytes cut short, hand-encoded protobuf, a real zip.
/// </summary>
internal static class MalformedModels
{
    public const string WeightsFile = "weights.bin";
    public const int WeightCount = 16;
    public const int MaxSubgraphDepth = 32;


    public static TheoryData<string> Names => [.. All.Select(c => c.Name)];

    public static MalformedModel Get(string name) => All.Single(c => c.Name == name);

    public static string ModelFolder(string root) => Directory.CreateDirectory(Path.Combine(root, "model")).FullName;

    public static string OutsideFolder(string root) => Directory.CreateDirectory(Path.Combine(root, "outside")).FullName;

    /// <summary>The float weights every external-data case stores (0, 0.25, 0.5, ...).</summary>
    public static float[] Weights { get; } = [.. Enumerable.Range(0, WeightCount).Select(i => i * 0.25f)];

    public static IReadOnlyList<MalformedModel> All { get; } = Build(); // after Weights: it uses them

    /// <summary>A small valid model (x + w, Relu) written by our own writer: the starting point for cut files.</summary>
    public static byte[] ValidModelBytes()
    {
        var b = new GraphBuilder("bad_input_base", opset: 17);
        var x = b.Input("x", DataType.Float, 1, WeightCount);
        var w = b.Initializer("w", Weights, WeightCount);
        b.Output(b.Op("Relu", [b.Op("Add", [x, w])]), "y");
        using var model = b.Build();
        return model.ToBytes();
    }

    /// <summary>
    /// Writes <c>model/model.onnx</c> with one external tensor <c>w</c> described by <paramref name="entries"/>, plus
    /// the files locations may point at: <c>model/weights.bin</c>, a valid copy in <c>outside/weights.bin</c>, a file
    /// symlink <c>model/escape.bin</c> and a folder symlink <c>model/shared</c> leading there, and
    /// <c>model/alias.bin</c>, a symlink that stays inside. Every target holds valid weights, so a refusal can only
    /// come from the location check, never from reading.
    /// </summary>
    public static string WriteExternalModel(string root, long[] dims, params (string Key, string Value)[] entries) =>
        WriteExternalModel(root, DataType.Float, dims, entries);

    /// <summary>As <see cref="WriteExternalModel(string, long[], ValueTuple{string, string}[])"/>, with <c>w</c> of <paramref name="type"/>.</summary>
    public static string WriteExternalModel(string root, DataType type, long[] dims, params (string Key, string Value)[] entries)
    {
        var folder = ModelFolder(root);
        var outside = OutsideFolder(root);
        var weights = MemoryMarshal.AsBytes(Weights.AsSpan()).ToArray();
        File.WriteAllBytes(Path.Combine(folder, WeightsFile), weights);
        File.WriteAllBytes(Path.Combine(outside, WeightsFile), weights);
        File.CreateSymbolicLink(Path.Combine(folder, "escape.bin"), Path.Combine(outside, WeightsFile));
        File.CreateSymbolicLink(Path.Combine(folder, "alias.bin"), Path.Combine(folder, WeightsFile));
        Directory.CreateSymbolicLink(Path.Combine(folder, "shared"), outside);
        var graph = Graph("external", [Node("Add", ["x", "w"], ["y"], "add")],
            initializers: [ExternalTensor("w", type, dims, entries)],
            inputs: [TensorValue("x", DataType.Float, WeightCount)],
            outputs: [TensorValue("y", DataType.Float, WeightCount)]);
        var path = Path.Combine(folder, "model.onnx");
        File.WriteAllBytes(path, Model(graph));
        return path;
    }

    /// <summary>
    /// A chain of If nodes: the then-branch of each holds the next If, <paramref name="depth"/> levels below the main
    /// graph; the innermost returns the outer input <c>x</c>, every else-branch returns <c>-x</c>.
    /// </summary>
    public static byte[] NestedIfModel(int depth)
    {
        var body = Graph($"level_{depth}", [Node("Identity", ["x"], [$"out_{depth}"], $"identity_{depth}")],
            outputs: [TensorValue($"out_{depth}", DataType.Float, 4)]);
        for (var level = depth - 1; level >= 0; level--)
        {
            var inner = level + 1;
            var otherwise = Graph($"else_{inner}", [Node("Neg", ["x"], [$"neg_{inner}"], $"neg_{inner}")],
                outputs: [TensorValue($"neg_{inner}", DataType.Float, 4)]);
            var node = Node("If", ["cond"], [$"out_{level}"], $"if_{level}",
                GraphAttribute("then_branch", body), GraphAttribute("else_branch", otherwise));
            body = level == 0
                ? Graph("main", [node], inputs: [TensorValue("cond", DataType.Bool), TensorValue("x", DataType.Float, 4)],
                    outputs: [TensorValue("out_0", DataType.Float, 4)])
                : Graph($"level_{level}", [node], outputs: [TensorValue($"out_{level}", DataType.Float, 4)]);
        }
        return Model(body);
    }

    private static List<MalformedModel> Build()
    {
        var valid = ValidModelBytes();
        var weightsAt = valid.AsSpan().IndexOf(MemoryMarshal.AsBytes(Weights.AsSpan()));
        if (weightsAt < 0) throw new InvalidOperationException("the valid model's raw_data was not found");
        long[] vector = [WeightCount];
        var weightBytes = MemoryMarshal.AsBytes(Weights.AsSpan()).ToArray();
        return
        [
            // Not a model file at all.
            new("nonexistent-path", root => Path.Combine(ModelFolder(root), "missing.onnx"), "missing.onnx", "does not exist"),
            new("directory-instead-of-file", root => Directory.CreateDirectory(Path.Combine(ModelFolder(root), "folder.onnx")).FullName, "folder.onnx", "directory"),
            Raw("empty-file", "empty.onnx", [], "empty", "0 bytes"),
            Raw("random-bytes", "random.onnx", RandomBytes(seed: 7, 4096), "not a valid ONNX model"),
            Raw("tflite-renamed", "model.onnx", TfLite(), "TensorFlow Lite file is truncated or corrupt"),
            Raw("zip-renamed", "model.onnx", PyTorchZip(), "zip archive", "torch.onnx.export"),
            Raw("pytorch-pt-checkpoint", "resnet.pt", PyTorchZip(), "never unpickled", "torch.onnx.export"),
            Raw("pickle-renamed", "model.onnx", Pickle(), "pickle", "never unpickled", "torch.onnx.export"),
            Raw("pickle-pth-checkpoint", "resnet.pth", Pickle(), "pickle", "torch.onnx.export"),
            // Other frameworks' model files: one line naming the exporter that makes ONNX of them, nothing loaded.
            Raw("keras-v3-model", "model.keras", KerasZip(), "Keras model", "never loaded", "python -m tf2onnx.convert --keras model.keras"),
            Raw("keras-zip-renamed", "model.onnx", KerasZip(), "Keras model", "tf2onnx"),
            Raw("keras-h5-model", "model.h5", Hdf5(), "HDF5", "Keras", "python -m tf2onnx.convert --keras model.h5"),
            Raw("torchscript-zip", "scripted.pt", TorchScriptZip(), "PyTorch checkpoint", "never unpickled", "torch.onnx.export(model, torch.randn("),
            Raw("other-zip-renamed", "model.onnx", Zip(("readme.txt", "hello"u8.ToArray())), "zip archive", "never unpickled or extracted"),
            Raw("saved-model-pb", "saved_model.pb", SavedModelProto(), "TensorFlow SavedModel", "python -m tf2onnx.convert --saved-model"),
            Raw("saved-model-pbtxt", "saved_model.pbtxt", "saved_model_schema_version: 1\n"u8.ToArray(), "TensorFlow SavedModel", "--saved-model"),
            new("saved-model-folder", SavedModelFolder, "saved_model_dir", "TensorFlow SavedModel", "--saved-model", "saved_model_dir --output model.onnx"),
            Raw("tf-frozen-graph", "frozen_graph.pb", FrozenGraph(), "TensorFlow GraphDef", "frozen graph", "python -m tf2onnx.convert --graphdef frozen_graph.pb"),
            Raw("html-renamed", "model.onnx", "<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>\n"u8.ToArray(), "HTML page"),

            // A real ONNX file cut short: in the first varint, in the header, inside the weights' raw_data, one byte short.
            Raw("truncated-after-1-byte", "cut.onnx", valid[..1], "truncated"),
            Raw("truncated-in-header", "cut.onnx", valid[..12], "truncated"),
            Raw("truncated-inside-raw-data", "cut.onnx", valid[..(weightsAt + 20)], "truncated"),
            Raw("truncated-by-one-byte", "cut.onnx", valid[..^1], "truncated"),

            new("file-over-2-gib", root => SparseFile(Path.Combine(ModelFolder(root), "huge.onnx"), valid, (1L << 31) + 16), "huge.onnx", "cannot exceed 2 GiB", "external data"),

            // Model-level fields.
            Raw("missing-graph", "model.onnx", Concat(Int(1, 8), Message(8, String(1, ""), Int(2, 17))), "ModelProto.graph", "missing"),
            Raw("missing-ir-version", "model.onnx", Bytes(7, Graph("g", [])), "ir_version", "missing"),

            // Tensors.
            Inline("raw-data-too-short", Tensor("w", DataType.Float, vector, weightBytes[..60]), "tensor 'w'", "raw_data is 60 bytes", "needs 64"),
            Inline("raw-data-too-long", Tensor("w", DataType.Float, vector, [.. weightBytes, 0, 0, 0, 0]), "tensor 'w'", "raw_data is 68 bytes", "needs 64"),
            Inline("negative-dim", Tensor("w", DataType.Float, [-1, WeightCount], weightBytes), "tensor 'w'", "negative dim -1"),
            Inline("overflowing-dims", Tensor("w", DataType.Float, [1L << 40, 1L << 40], weightBytes), "tensor 'w'", "overflow"),
            Inline("overflowing-byte-size", Tensor("w", DataType.Float, [1L << 62], weightBytes), "tensor 'w'", "byte size would overflow"),
            Inline("line-break-in-tensor-name", Tensor("w\nerror: forged second line", DataType.Float, vector, weightBytes[..60]), "tensor 'w\\nerror: forged second line'", "raw_data is 60 bytes"),
            Inline("unknown-data-type", Tensor("w", (DataType)99, vector, weightBytes), "tensor 'w'", "unknown data_type 99"),

            // Graph structure.
            Structure("node-cycle", Graph("cyclic", [Node("Relu", ["b_out"], ["a_out"], "A"), Node("Relu", ["a_out"], ["b_out"], "B")],
                inputs: [TensorValue("x", DataType.Float, 4)], outputs: [TensorValue("a_out", DataType.Float, 4)]), "cycle", "'A'", "'B'"),
            Structure("undefined-input", Graph("dangling", [Node("Relu", ["ghost"], ["y"], "relu")],
                inputs: [TensorValue("x", DataType.Float, 4)], outputs: [TensorValue("y", DataType.Float, 4)]), "'relu'", "'ghost'", "no input, initializer or node defines"),
            Structure("duplicate-value-name", Graph("twice", [Node("Relu", ["x"], ["y"], "first"), Node("Neg", ["x"], ["y"], "second")],
                inputs: [TensorValue("x", DataType.Float, 4)], outputs: [TensorValue("y", DataType.Float, 4)]), "'y'", "twice"),
            Raw("subgraphs-33-deep", "model.onnx", NestedIfModel(MaxSubgraphDepth + 1), "subgraphs", "nested deeper", $"limit of {MaxSubgraphDepth}"),
            Structure("types-nested-10000-deep", Graph("deep", [Node("Identity", ["x"], ["y"], "identity")],
                inputs: [Value("x", NestedSequenceType(10_000))], outputs: [Value("y", NestedSequenceType(1))]), "nested deeper than"),

            // External data: locations refused before any file is opened (every target exists and holds valid weights).
            External("external-absolute-location", root => [("location", Path.Combine(OutsideFolder(root), WeightsFile))], "tensor 'w'", "absolute"),
            External("external-drive-letter-location", _ => [("location", @"C:\models\weights.bin")], "tensor 'w'", "absolute"),
            External("external-dotdot-location", _ => [("location", "../outside/weights.bin")], "tensor 'w'", "'..'"),
            External("external-backslash-dotdot-location", _ => [("location", @"..\outside\weights.bin")], "tensor 'w'", "'..'"),
            External("external-symlink-file-escape", _ => [("location", "escape.bin")], "tensor 'w'", "outside the model's folder", "symlink"),
            External("external-symlink-folder-escape", _ => [("location", "shared/weights.bin")], "tensor 'w'", "outside the model's folder", "symlink"),
            External("external-nul-in-location", _ => [("location", "weights.bin\0/../../../etc/passwd")], "tensor 'w'", "NUL"),
            External("external-empty-location", _ => [("location", "")], "tensor 'w'", "empty location"),
            External("external-no-location", _ => [("offset", "0")], "tensor 'w'", "no 'location'"),
            External("external-missing-file", _ => [("location", "nothere.bin")], "tensor 'w'", "'nothere.bin'", "does not exist"),

            // External data: offsets and lengths.
            External("external-negative-offset", _ => [("location", WeightsFile), ("offset", "-4")], "tensor 'w'", "offset -4", "negative"),
            External("external-negative-length", _ => [("location", WeightsFile), ("length", "-64")], "tensor 'w'", "length -64", "negative"),
            External("external-offset-past-end", _ => [("location", WeightsFile), ("offset", "4096")], "tensor 'w'", "past the end", "64 bytes"),
            External("external-length-past-end", _ => [("location", WeightsFile), ("length", "128")], "tensor 'w'", "past the end", "64 bytes"),
            External("external-offset-overflows", _ => [("location", WeightsFile), ("offset", long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("length", "2")], "tensor 'w'", "past the end"),
            External("external-offset-not-a-number", _ => [("location", WeightsFile), ("offset", "12abc")], "tensor 'w'", "offset '12abc'", "not a 64-bit integer"),
            External("external-length-over-int64", _ => [("location", WeightsFile), ("length", "99999999999999999999")], "tensor 'w'", "length '99999999999999999999'", "not a 64-bit integer"),
            External("external-length-mismatch", _ => [("location", WeightsFile), ("length", "60")], "tensor 'w'", "length 60", "64 bytes"),
            new("external-dims-overflow-byte-size", root => WriteExternalModel(root, [1L << 62], ("location", WeightsFile)), "model.onnx", "tensor 'w'", "byte size would overflow"),

            // Found by coverage-guided fuzzing (docs/reliability.md).
            // An external tensor of no type was accepted, and what ToBytes wrote of it could not be read back.
            new("external-undefined-data-type", root => WriteExternalModel(root, DataType.Undefined, [WeightCount], ("location", WeightsFile)), "model.onnx", "tensor 'w'", "data_type UNDEFINED"),
            // Typed values (int64_data) fewer than the dims need: refused before the dims' 1 GiB is allocated.
            Inline("typed-values-fewer-than-dims", Concat(Int(1, 1L << 27), Int(2, (long)DataType.Int64), String(8, "w"), Int(7, 5)), "tensor 'w'", "holds 1 values but int64 dims need 134217728"),
        ];
    }

    private static MalformedModel Raw(string name, string fileName, byte[] bytes, params string[] expected) =>
        new(name, root =>
        {
            var path = Path.Combine(ModelFolder(root), fileName);
            File.WriteAllBytes(path, bytes);
            return path;
        }, [fileName, .. expected]);

    /// <summary>x + w with the given (broken) initializer.</summary>
    private static MalformedModel Inline(string name, byte[] tensor, params string[] expected) =>
        Structure(name, Graph("inline", [Node("Add", ["x", "w"], ["y"], "add")], initializers: [tensor],
            inputs: [TensorValue("x", DataType.Float, WeightCount)], outputs: [TensorValue("y", DataType.Float, WeightCount)]), expected);

    private static MalformedModel Structure(string name, byte[] graph, params string[] expected) =>
        Raw(name, "model.onnx", Model(graph), expected);

    private static MalformedModel External(string name, Func<string, (string Key, string Value)[]> entries, params string[] expected) =>
        new(name, root => WriteExternalModel(root, [WeightCount], entries(root)), ["model.onnx", .. expected]);

    /// <summary>A real model's bytes followed by a hole up to <paramref name="length"/> (sparse: no disk space used).</summary>
    private static string SparseFile(string path, byte[] head, long length)
    {
        using var stream = File.Create(path);
        stream.Write(head);
        stream.SetLength(length);
        return path;
    }

    private static byte[] RandomBytes(int seed, int count)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>The start of a FlatBuffer TensorFlow Lite model: root table offset, then the "TFL3" identifier.</summary>
    private static byte[] TfLite() => [0x1C, 0, 0, 0, .. "TFL3"u8, 0, 0, 0x0E, 0, 0x18, 0, 0x04, 0, 0x08, 0, 0x0C, 0];

    /// <summary>A pickle protocol 2 stream of an empty dict: what <c>torch.save</c> wrote before zip checkpoints.</summary>
    private static byte[] Pickle() => [0x80, 0x02, (byte)'}', (byte)'q', 0x00, (byte)'.'];

    /// <summary>A Keras 3 <c>.keras</c> file: a zip of metadata.json, config.json and model.weights.h5 (an HDF5 file).</summary>
    internal static byte[] KerasZip() => Zip(
        ("metadata.json", """{"keras_version": "3.6.0", "date_saved": "2024-10-01@12:00:00"}"""u8.ToArray()),
        ("config.json", """{"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": []}}"""u8.ToArray()),
        ("model.weights.h5", Hdf5()));

    /// <summary>The first bytes of an HDF5 file: its 8-byte signature, then a superblock's start.</summary>
    internal static byte[] Hdf5() => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1A, (byte)'\n', 0, 0, 0, 0, 0, 8, 8, 0, 4, 0, 16, 0];

    /// <summary>A SavedModel proto's start: saved_model_schema_version 1 (field 1), then a meta_graphs message (field 2).</summary>
    private static byte[] SavedModelProto() => [0x08, 0x01, 0x12, 0x06, 0x0A, 0x04, 0x0A, 0x02, 0x08, 0x01];

    /// <summary>A frozen GraphDef: node { name: "input" op: "Placeholder" }, then versions { producer: 27 }.</summary>
    internal static byte[] FrozenGraph() =>
        [0x0A, 0x14, 0x0A, 0x05, .. "input"u8, 0x12, 0x0B, .. "Placeholder"u8, 0x22, 0x02, 0x08, 0x1B];

    /// <summary>A SavedModel folder: saved_model.pb and variables/, handed over as the model.</summary>
    private static string SavedModelFolder(string root)
    {
        var folder = Directory.CreateDirectory(Path.Combine(ModelFolder(root), "saved_model_dir")).FullName;
        File.WriteAllBytes(Path.Combine(folder, "saved_model.pb"), SavedModelProto());
        Directory.CreateDirectory(Path.Combine(folder, "variables"));
        return folder;
    }

    /// <summary>A TorchScript archive (torch.jit.save): code, constants and data pickles under the model's name.</summary>
    private static byte[] TorchScriptZip() => Zip(
        ("scripted/code/__torch__.py", "class Net(Module):\n  pass\n"u8.ToArray()),
        ("scripted/constants.pkl", Pickle()),
        ("scripted/data.pkl", Pickle()),
        ("scripted/version", "3\n"u8.ToArray()));

    /// <summary>A zip of the given entries, stored uncompressed.</summary>
    internal static byte[] Zip(params (string Name, byte[] Data)[] entries)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, data) in entries)
            {
                using var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                entry.Write(data);
            }
        }
        return stream.ToArray();
    }

    /// <summary>A zip laid out like a <c>torch.save</c> checkpoint (archive/data.pkl, archive/version).</summary>
    private static byte[] PyTorchZip()
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var pkl = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) pkl.Write(Pickle());
            using var version = zip.CreateEntry("archive/version", CompressionLevel.NoCompression).Open();
            version.Write("3\n"u8);
        }
        return stream.ToArray();
    }
}
