using System.Runtime.InteropServices;
using System.Text;
using EdgeOpt.Cli;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SkiaSharp;

namespace EdgeOpt.BrowserTests;

/// <summary>
/// The demo page runs the model on a file the user picks: a picture (preprocessed in the page as bundle.json says:
/// grayscale, 28x28, pixel / 255 for the demo) or a tensor file (.npy, raw .bin); a file of the wrong size is refused
/// with a message naming it, and the page stays usable.
/// </summary>
[Collection(Chromium.Collection)]
public sealed class UserInputTests(ChromiumFixture chromium, ITestOutputHelper output)
{
    // Same bound as the sample run (DemoPageTests): measured WASM vs native differences on these logits are ~1e-6.
    private const double LogitTolerance = 1e-4;

    [Fact]
    public async Task A_chosen_picture_and_a_chosen_npy_file_give_native_onnx_runtimes_output()
    {
        using var work = new TempDir();
        var bundle = Path.Combine(work.Path, "web");
        using var stderr = new StringWriter();
        Assert.Equal(ExitCodes.Ok, CliApp.Run(["web", "demo", "-o", bundle, "--backend", "wasm"], TextWriter.Null, stderr));
        var model = DemoModel.WriteTo(work.Path);
        var test = DemoAssets.TestSet();

        // Test image 7, as a grayscale PNG the size of the model input: the page's preprocessing must reproduce pixel / 255.
        var picture = Path.Combine(work.Path, "coat.png");
        File.WriteAllBytes(picture, GrayPng(test.Image(7).ToArray(), test.Cols, test.Rows));
        var fromPicture = Native(model, test.Image(7).ToArray().Select(p => p / 255f).ToArray());

        // Test image 3 as a float32 .npy of the input's exact shape.
        var tensor = test.Image(3).ToArray().Select(p => p / 255f).ToArray();
        var npy = Path.Combine(work.Path, "dress.npy");
        File.WriteAllBytes(npy, Npy(tensor, [1, 1, test.Rows, test.Cols]));
        var fromNpy = Native(model, tensor);

        await using var served = await ServedFolder.StartAsync(bundle, output);
        await using var session = await chromium.OpenAsync(output);
        var page = session.Page;
        (await BundlePage.OpenAsync(page, served["index.html"])).ReadyOutput();

        Outputs.AssertClose(fromPicture, await RunChosenFileAsync(page, picture), LogitTolerance, output);
        Assert.Equal(DemoAssets.ClassNames[test.Label(7)], await page.TextContentAsync("#outputs tr td"));
        Outputs.AssertClose(fromNpy, await RunChosenFileAsync(page, npy), LogitTolerance, output);
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task A_tensor_file_of_the_wrong_size_is_refused_with_a_message_naming_it()
    {
        using var work = new TempDir();
        var bundle = Path.Combine(work.Path, "web");
        Assert.Equal(ExitCodes.Ok, CliApp.Run(["web", "demo", "-o", bundle, "--backend", "wasm"], TextWriter.Null, TextWriter.Null));
        var wrong = Path.Combine(work.Path, "wrong.bin");
        File.WriteAllBytes(wrong, new byte[100]);

        await using var served = await ServedFolder.StartAsync(bundle, output);
        await using var session = await chromium.OpenAsync(output);
        var page = session.Page;
        var before = (await BundlePage.OpenAsync(page, served["index.html"])).ReadyOutput();

        await page.SetInputFilesAsync("#file", wrong);
        await page.WaitForFunctionAsync("() => document.getElementById('status').className === 'error'");
        var status = await page.TextContentAsync("#status");
        Assert.Contains("wrong.bin", status, StringComparison.Ordinal);
        Assert.Contains("3136", status, StringComparison.Ordinal); // 1x1x28x28 float32 bytes
        var after = await BundlePage.SettleAsync(page);
        Assert.Equal("ready", after.State);
        Assert.Equal(before.Data, after.ReadyOutput().Data);
    }

    private static async Task<IReadOnlyList<float>> RunChosenFileAsync(Microsoft.Playwright.IPage page, string file)
    {
        await page.SetInputFilesAsync("#file", file);
        await page.WaitForFunctionAsync("(name) => document.getElementById('input-name').textContent === name", Path.GetFileName(file));
        return (await BundlePage.SettleAsync(page)).ReadyOutput().Data;
    }

    private static float[] Native(string model, float[] pixels)
    {
        using var session = new InferenceSession(model);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(pixels, [1, 1, 28, 28]))]);
        return results[0].AsEnumerable<float>().ToArray();
    }

    private static byte[] GrayPng(byte[] pixels, int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    // NumPy's .npy v1.0: magic, header length, a Python-dict header padded with spaces to 64 bytes, then the data.
    private static byte[] Npy(float[] values, int[] shape)
    {
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}), }}";
        var padded = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        using var stream = new MemoryStream();
        stream.Write([0x93, .. "NUMPY"u8, 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)padded.Length));
        stream.Write(Encoding.ASCII.GetBytes(padded));
        stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
        return stream.ToArray();
    }
}
