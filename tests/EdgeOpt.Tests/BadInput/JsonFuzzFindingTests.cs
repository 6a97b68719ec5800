using System.Text.Json.Nodes;
using EdgeOpt.Devices;
using EdgeOpt.Progressive;
using EdgeOpt.Quantization;
using EdgeOpt.Tests.Progressive;

namespace EdgeOpt.Tests.BadInput;

/// <summary>
/// What coverage-guided fuzzing found in the JSON readers (progressive manifest.json, quantization plans, device.json),
/// each as its minimal input (docs/reliability.md, "Coverage-guided fuzzing"): the serializer quotes the file's own
/// text, and names come from the file, so messages are escaped to stay one line; null entries are refused by name.
/// </summary>
public sealed class JsonFuzzFindingTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("{\"modelName\": nul\n}", "'nul\\n}' is an invalid JSON literal")] // the serializer quotes up to the next token
    [InlineData("{\"formatVersion\": 1, \"modelName\": \"m\", \"graph\": {\"file\": \"a\\nb\", \"size\": 1, \"sha256\": \"\", \"integrity\": \"\"}, \"chunks\": [], \"modelSha256\": \"\", \"totalBytes\": 1, \"chunkSize\": 4096}", "'a\\nb'")]
    public void Manifest_errors_quoting_the_file_stay_on_one_line(string json, string escaped)
    {
        var folder = Package();
        File.WriteAllText(Path.Combine(folder, ProgressivePackager.ManifestFileName), json);

        var loaded = Assert.Throws<ModelFormatException>(() => ProgressiveManifest.Load(folder));
        using var loader = new ProgressiveLoader(new Uri(folder + "/"));
        var fetched = Assert.Throws<ModelFormatException>(() => loader.LoadAsync().GetAwaiter().GetResult());

        foreach (var e in new[] { loaded, fetched })
        {
            Assert.DoesNotContain('\n', e.Message);
            Assert.Contains(escaped, e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Manifest_chunk_with_null_dependencies_loads()
    {
        // Was a NullReferenceException in ProgressiveManifest.Load (the loader already read null as none).
        var folder = Package();
        EditManifest(folder, root => root["chunks"]![0]!["dependencies"] = null);

        var manifest = ProgressiveManifest.Load(folder, verify: true);

        Assert.NotEmpty(manifest.Chunks);
    }

    [Theory]
    [InlineData("null-chunk", "the chunk list holds a null entry")]
    [InlineData("null-tensor", "lists a null tensor")]
    [InlineData("range-overflow", "lies outside chunk")] // offset + length wrapped around to a negative end
    public void Manifest_null_entries_and_overflowing_ranges_are_refused_by_name(string edit, string expected)
    {
        var folder = Package();
        EditManifest(folder, root =>
        {
            var chunk = root["chunks"]![0]!;
            switch (edit)
            {
                case "null-chunk": root["chunks"]!.AsArray().Add(null); break;
                case "null-tensor": chunk["tensors"]!.AsArray().Add(null); break;
                default:
                    chunk["tensors"]![0]!["offset"] = long.MaxValue;
                    chunk["tensors"]![0]!["length"] = 2;
                    break;
            }
        });

        var e = Assert.Throws<ModelFormatException>(() => ProgressiveManifest.Load(folder));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"version\": 1, \"tensors\": [{\"name\": \"a\", \"precision\": nope\n}]}", "'nope\\n}]}' is an invalid JSON literal")]
    [InlineData("{\"version\": 1, \"activationType\": \"uint8\", \"tensors\": [{\"name\": \"a\\nb\", \"precision\": \"int8\", \"scales\": [0], \"zeroPoints\": [0]}]}", "tensor 'a\\nb' has scale 0")]
    public void Quantization_plan_errors_quoting_the_file_stay_on_one_line(string json, string escaped)
    {
        var e = Assert.Throws<ModelFormatException>(() => QuantizationPlan.FromJson(json, "plan.json"));

        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(escaped, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Device_file_field_whose_name_breaks_lines_is_named_on_one_line()
    {
        // "plat\u000Am": a JSON-escaped line feed inside an unknown property name, quoted by the serializer's path.
        var e = Assert.Throws<DataFormatException>(() => CustomDevice.Parse("{\"plat\\u000Am\": \"Android\"}", "device.json"));

        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("plat\\nm", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name")]
    [InlineData("cpu")]
    public void Device_file_whose_name_or_cpu_breaks_lines_is_refused(string field)
    {
        // "Jh\ne": a JSON-escaped line feed in the name, which every report and error prints (the power analyzer's
        // "device 'Jh\ne' has no power figures" was two lines).
        var json = field == "name"
            ? "{\"platform\": \"Android\", \"name\": \"Jh\\ne\", \"memoryGb\": 6}"
            : "{\"platform\": \"Android\", \"name\": \"Phone\", \"cpu\": \"Tensor\\u2028G3\", \"memoryGb\": 6}";

        var e = Assert.Throws<InvalidOptionsException>(() => CustomDevice.Parse(json, "device.json"));

        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains($"{(field == "name" ? "Name" : "Cpu")} holds the control character U+{(field == "name" ? "000A" : "2028")}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"units\": [null]", "units[] holds a null entry")]
    [InlineData("\"modes\": [null]", "modes[] holds a null entry")]
    [InlineData("\"modes\": [{\"name\": \"fast\\nest\", \"mode\": \"Performance\", \"clockScale\": 1}]", "modes[].name must be a one-line name")]
    public void Device_power_figures_with_null_entries_or_multi_line_mode_names_are_refused_by_field(string entry, string expected)
    {
        // Found on the way to the device-name finding: power figures are read by field, so their null entries and names are checked too.
        var json = "{\"platform\": \"Android\", \"name\": \"Phone\", \"memoryGb\": 6, \"power\": "
            + "{\"processNm\": 5, \"idleW\": 0.5, \"thermalLimitC\": 45, \"thermalTimeConstantS\": 60, " + entry + "}}";
        var device = CustomDevice.Parse(json, "device.json").Resolve().Device;

        var e = Assert.Throws<UsageException>(() => EdgeOpt.Power.PowerAnalyzer.Require(device));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    private string Package()
    {
        var folder = _dir.File("pkg");
        ProgressivePackager.Package(PackagerModels.Mlp(_dir.Path), folder, new ProgressiveOptions { ChunkSize = 40 * 1024 });
        return folder;
    }

    private static void EditManifest(string folder, Action<JsonNode> edit)
    {
        var path = Path.Combine(folder, ProgressivePackager.ManifestFileName);
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
    }
}
