using System.Text.Json;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Cli;

/// <summary>
/// TensorFlow Lite models on the command line: <c>convert</c> writes ONNX, every other command converts in memory and
/// says so on stderr (stdout stays the command's own result).
/// </summary>
public class TfliteCommandTests
{
    private static string PersonDetect => Path.Combine(Fixtures.TfliteMicro, "models", "person_detect.tflite");

    [Fact]
    public void Convert_writes_an_ONNX_model_that_keeps_the_TFLite_inputs_and_outputs()
    {
        using var dir = new TempDir();
        var output = dir.File("person_detect.onnx");
        var (code, stdout, stderr) = CliHarness.Run("convert", PersonDetect, "-o", output, "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("tflite", json.RootElement.GetProperty("inputFormat").GetString());
        Assert.True(json.RootElement.GetProperty("nodes").GetInt32() > 30);

        using var model = Model.Load(output);
        var input = Assert.Single(model.Graph.Inputs);
        Assert.Equal(DataType.Int8, input.ElementType);
        Assert.Equal([1L, 96, 96, 1], input.Shape!.ToArray()!); // NHWC as in the .tflite file
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "QuantizeLinear");
        Assert.Contains(model.Graph.Nodes, n => n.OpType == "Conv");
    }

    [Fact]
    public void Other_commands_take_a_tflite_model_and_say_they_converted_it()
    {
        var (code, stdout, stderr) = CliHarness.Run("inspect", PersonDetect, "--json");
        Assert.True(code == 0, stderr);
        Assert.Contains("is a TensorFlow Lite model; it is converted to ONNX in memory", stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(stdout); // stdout holds only the result
        Assert.True(json.RootElement.GetProperty("macs").GetInt64() > 1_000_000);
    }

    [Fact]
    public void TFLite_options_on_an_ONNX_model_are_refused()
    {
        using var dir = new TempDir();
        var output = dir.File("out.onnx");
        var (code, _, stderr) = CliHarness.Run("convert", Fixtures.BlazeFace, "-o", output, "--keep-float16-weights");
        Assert.Equal(2, code);
        Assert.Contains("apply to TensorFlow Lite models", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void An_unknown_signature_is_named_with_the_ones_the_model_has()
    {
        using var dir = new TempDir();
        var output = dir.File("out.onnx");
        var (code, _, stderr) = CliHarness.Run("convert", PersonDetect, "-o", output, "--signature", "nope");
        Assert.Equal(2, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("has no signature 'nope'", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }
}
