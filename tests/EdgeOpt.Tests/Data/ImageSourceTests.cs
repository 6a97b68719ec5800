using EdgeOpt.Data;
using EdgeOpt.Onnx;
using SkiaSharp;

namespace EdgeOpt.Tests.Data;

public sealed class ImageSourceTests
{
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];
    private static readonly byte[] Rgb = [200, 100, 50];

    private static ImagePreprocessing Normalized => new() { Mean = ImageNetMean, Std = ImageNetStd };

    private static float Expected(int c, float[]? mean = null, float[]? std = null) =>
        ((Rgb[c] / 255f) - (mean ?? ImageNetMean)[c]) / (std ?? ImageNetStd)[c];

    [Fact]
    public void Solid_png_is_normalized_per_channel_in_nchw()
    {
        using var dir = new TempDir();
        DataTestKit.WriteSolid(dir.File("a.png"), new SKColor(Rgb[0], Rgb[1], Rgb[2]), 50, 40, SKEncodedImageFormat.Png);
        var model = DataTestKit.Model(DataType.Float, Dim.Symbolic("N"), 3, 32, 32);

        var source = SampleSources.Open(dir.Path, model, new SampleSourceOptions { Image = Normalized });

        source.CheckFits(model);
        Assert.Equal(1, source.Count);
        Assert.True(source.IsRepresentative);
        Assert.Null(source.Labels);
        var tensor = source.Read(0)["x"];
        Assert.Equal([1L, 3, 32, 32], tensor.Dims);
        var values = tensor.ToSingleArray();
        for (var c = 0; c < 3; c++)
            for (var p = 0; p < 32 * 32; p++) Assert.Equal(Expected(c), values[(c * 1024) + p], 1e-5f);
        Assert.Contains("1 image, 32x32 RGB NCHW, mean/std", source.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Nhwc_models_get_channels_last()
    {
        using var dir = new TempDir();
        DataTestKit.WriteSolid(dir.File("a.png"), new SKColor(Rgb[0], Rgb[1], Rgb[2]), 20, 20, SKEncodedImageFormat.Png);
        var model = DataTestKit.Model(DataType.Float, 1, 16, 16, 3);

        var tensor = SampleSources.Open(dir.Path, model, new SampleSourceOptions { Image = Normalized }).Read(0)["x"];

        Assert.Equal([1L, 16, 16, 3], tensor.Dims);
        var values = tensor.ToSingleArray();
        for (var p = 0; p < 16 * 16; p++)
            for (var c = 0; c < 3; c++) Assert.Equal(Expected(c), values[(p * 3) + c], 1e-5f);
    }

    [Fact]
    public void Bgr_swaps_red_and_blue()
    {
        using var dir = new TempDir();
        DataTestKit.WriteSolid(dir.File("a.png"), new SKColor(Rgb[0], Rgb[1], Rgb[2]), 8, 8, SKEncodedImageFormat.Png);
        var model = DataTestKit.Model(DataType.Float, 1, 3, 8, 8);

        var values = SampleSources.Open(dir.Path, model, new SampleSourceOptions { Image = new ImagePreprocessing { Bgr = true } }).Read(0)["x"].ToSingleArray();

        Assert.Equal(50 / 255f, values[0], 1e-6f);
        Assert.Equal(100 / 255f, values[64], 1e-6f);
        Assert.Equal(200 / 255f, values[128], 1e-6f);
    }

    [Fact]
    public void Jpeg_solid_colour_decodes_within_jpeg_error()
    {
        using var dir = new TempDir();
        DataTestKit.WriteSolid(dir.File("a.jpg"), new SKColor(Rgb[0], Rgb[1], Rgb[2]), 64, 48, SKEncodedImageFormat.Jpeg);
        var model = DataTestKit.Model(DataType.Float, 1, 3, 24, 24);

        var values = SampleSources.Open(dir.File("a.jpg"), model).Read(0)["x"].ToSingleArray();

        // JPEG's colour conversion and quantization move a flat colour by a few levels at most.
        for (var c = 0; c < 3; c++)
            for (var p = 0; p < 24 * 24; p++) Assert.Equal(Rgb[c] / 255f, values[(c * 576) + p], 4 / 255f);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, 0f)]
    [InlineData(SKEncodedImageFormat.Jpeg, 2 / 255f)]
    public void Grayscale_images_feed_one_channel_models(SKEncodedImageFormat format, float tolerance)
    {
        using var dir = new TempDir();
        DataTestKit.WriteSolid(dir.File("g." + (format == SKEncodedImageFormat.Png ? "png" : "jpg")), new SKColor(90, 90, 90), 30, 30, format, gray: true);
        var model = DataTestKit.Model(DataType.Float, 1, 1, 28, 28);

        var source = SampleSources.Open(dir.Path, model, new SampleSourceOptions { Image = ImagePreprocessing.Preset("mnist") });

        source.CheckFits(model);
        var values = source.Read(0)["x"].ToSingleArray();
        Assert.Equal(28 * 28, values.Length);
        Assert.All(values, v => Assert.Equal(90 / 255f, v, tolerance + 1e-5f));
        Assert.Contains("28x28 grayscale NCHW", source.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Colour_images_become_luminance_for_grayscale_models()
    {
        using var dir = new TempDir();
        DataTestKit.WriteSolid(dir.File("c.png"), new SKColor(Rgb[0], Rgb[1], Rgb[2]), 10, 10, SKEncodedImageFormat.Png);
        var model = DataTestKit.Model(DataType.Float, 1, 1, 10, 10);

        var values = SampleSources.Open(dir.Path, model).Read(0)["x"].ToSingleArray();

        var luminance = ((0.299f * 200) + (0.587f * 100) + (0.114f * 50)) / 255f;
        Assert.All(values, v => Assert.Equal(luminance, v, 1e-5f));
    }

    [Fact]
    public void Centre_crop_keeps_the_middle_and_stretch_keeps_everything()
    {
        // 300x100: red | green | blue thirds. A square centre crop of the whole height is the green third.
        using var dir = new TempDir();
        using (var bitmap = new SKBitmap(300, 100))
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.DrawRect(0, 0, 100, 100, new SKPaint { Color = SKColors.Red });
            canvas.DrawRect(100, 0, 100, 100, new SKPaint { Color = new SKColor(0, 255, 0) });
            canvas.DrawRect(200, 0, 100, 100, new SKPaint { Color = SKColors.Blue });
            canvas.Flush();
            DataTestKit.WriteBitmap(dir.File("thirds.png"), bitmap, SKEncodedImageFormat.Png);
        }
        var model = DataTestKit.Model(DataType.Float, 1, 3, 32, 32);

        var crop = SampleSources.Open(dir.Path, model, new SampleSourceOptions
        {
            Image = new ImagePreprocessing { Resize = ResizeMode.CenterCrop, CropFraction = 1f },
        }).Read(0)["x"].ToSingleArray();
        var stretch = SampleSources.Open(dir.Path, model).Read(0)["x"].ToSingleArray();

        static float At(float[] v, int c, int x, int y) => v[(c * 1024) + (y * 32) + x];
        foreach (var x in new[] { 4, 16, 27 })
        {
            Assert.Equal(0f, At(crop, 0, x, 16), 1e-3f);
            Assert.Equal(1f, At(crop, 1, x, 16), 1e-3f);
        }
        Assert.Equal(1f, At(stretch, 0, 2, 16), 1e-3f);
        Assert.Equal(1f, At(stretch, 1, 16, 16), 1e-3f);
        Assert.Equal(1f, At(stretch, 2, 29, 16), 1e-3f);
    }

    [Fact]
    public void Class_sub_folders_give_sorted_labels()
    {
        using var dir = new TempDir();
        foreach (var (folder, file) in new[] { ("dog", "b.png"), ("cat", "z.png"), ("cat", "a.png"), ("eel", "e.jpg") })
        {
            Directory.CreateDirectory(Path.Combine(dir.Path, folder));
            DataTestKit.WriteSolid(Path.Combine(dir.Path, folder, file), SKColors.Gray, 8, 8,
                file.EndsWith(".png", StringComparison.Ordinal) ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg);
        }
        var model = DataTestKit.Model(DataType.Float, 1, 3, 8, 8);

        var source = SampleSources.Open(dir.Path, model);

        Assert.Equal(4, source.Count);
        Assert.Equal([0, 0, 1, 2], source.Labels);
        Assert.Contains("4 images in 3 classes", source.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Images_outside_class_folders_mean_no_labels()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("cat"));
        DataTestKit.WriteSolid(dir.File("cat/a.png"), SKColors.Gray, 8, 8, SKEncodedImageFormat.Png);
        DataTestKit.WriteSolid(dir.File("loose.png"), SKColors.Gray, 8, 8, SKEncodedImageFormat.Png);

        var source = SampleSources.Open(dir.Path, DataTestKit.Model(DataType.Float, 1, 3, 8, 8));

        Assert.Equal(2, source.Count);
        Assert.Null(source.Labels);
    }

    [Fact]
    public void Real_photos_fit_resnet18_with_the_imagenet_preset()
    {
        const string skimage = "/usr/lib/python3/dist-packages/skimage/data";
        using var dir = new TempDir();
        foreach (var photo in new[] { "astronaut.png", "chelsea.png", "coffee.png" }) File.Copy(Path.Combine(skimage, photo), dir.File(photo));
        var model = Model.Load(Fixtures.ResNet18);

        var source = SampleSources.Open(dir.Path, model, new SampleSourceOptions { Image = ImagePreprocessing.Preset("imagenet") });

        source.CheckFits(model);
        Assert.Equal(3, source.Count);
        var values = source.Read(1)[model.Graph.Inputs.First(v => !v.IsInitializer).Name].ToSingleArray();
        Assert.Equal(3 * 224 * 224, values.Length);
        // ImageNet normalization maps 0..255 into [-2.12, 2.64]; a real photo spreads over much of it.
        Assert.InRange(values.Min(), -2.2f, -1.0f);
        Assert.InRange(values.Max(), 1.0f, 2.7f);
        Assert.Contains("3 images, 224x224 RGB NCHW, centre crop, mean/std", source.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Free_image_size_needs_a_size_and_uses_it()
    {
        using var dir = new TempDir();
        DataTestKit.WriteSolid(dir.File("a.png"), SKColors.White, 40, 30, SKEncodedImageFormat.Png);
        var model = DataTestKit.Model(DataType.Float, Dim.Symbolic("N"), 3, Dim.Symbolic("H"), Dim.Symbolic("W"));

        var error = Assert.Throws<UsageException>(() => SampleSources.Open(dir.Path, model));
        Assert.Contains("free height", error.Message, StringComparison.Ordinal);

        var tensor = SampleSources.Open(dir.Path, model, new SampleSourceOptions { Image = new ImagePreprocessing { Width = 20, Height = 10 } }).Read(0)["x"];
        Assert.Equal([1L, 3, 10, 20], tensor.Dims);
        Assert.All(tensor.ToSingleArray(), v => Assert.Equal(1f, v, 1e-6f));
    }

    [Fact]
    public void Presets_are_named_and_unknown_ones_list_the_names()
    {
        Assert.Superset(new HashSet<string> { "imagenet", "mnist", "fashion-mnist", "raw", "inception" }, ImagePreprocessing.PresetNames.ToHashSet());
        var imagenet = ImagePreprocessing.Preset("imagenet");
        Assert.Equal((224, 224), (imagenet.Width, imagenet.Height));
        Assert.Equal(ImageNetMean, imagenet.Mean);
        Assert.Equal(ResizeMode.CenterCrop, imagenet.Resize);
        Assert.Equal(1f, ImagePreprocessing.Preset("raw").Scale);
        Assert.Equal(299, ImagePreprocessing.Preset("inception").Width);
        Assert.Equal(ImageColor.Grayscale, ImagePreprocessing.Preset("fashion-mnist").Color);

        var error = Assert.Throws<UsageException>(() => ImagePreprocessing.Preset("imagenette"));
        Assert.Contains("'imagenette'", error.Message, StringComparison.Ordinal);
        Assert.Contains("imagenet, mnist, fashion-mnist, raw, inception", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_preset_feeds_pixel_values()
    {
        using var dir = new TempDir();
        DataTestKit.WriteSolid(dir.File("a.png"), new SKColor(Rgb[0], Rgb[1], Rgb[2]), 4, 4, SKEncodedImageFormat.Png);

        var values = SampleSources.Open(dir.Path, DataTestKit.Model(DataType.Float, 1, 3, 4, 4),
            new SampleSourceOptions { Image = ImagePreprocessing.Preset("raw") }).Read(0)["x"].ToSingleArray();

        Assert.Equal(200f, values[0], 1e-4f);
        Assert.Equal(100f, values[16], 1e-4f);
        Assert.Equal(50f, values[32], 1e-4f);
    }

    [Fact]
    public void Unreadable_image_fails_on_open_naming_it()
    {
        using var dir = new TempDir();
        DataTestKit.WriteSolid(dir.File("a.png"), SKColors.Gray, 8, 8, SKEncodedImageFormat.Png);
        File.WriteAllBytes(dir.File("broken.png"), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

        var error = Assert.Throws<DataFormatException>(() => SampleSources.Open(dir.Path, DataTestKit.Model(DataType.Float, 1, 3, 8, 8)));

        Assert.Contains("broken.png", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a readable image", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mean_with_the_wrong_channel_count_is_a_usage_error()
    {
        using var dir = new TempDir();
        DataTestKit.WriteSolid(dir.File("a.png"), SKColors.Gray, 8, 8, SKEncodedImageFormat.Png);

        var error = Assert.Throws<UsageException>(() => SampleSources.Open(dir.Path, DataTestKit.Model(DataType.Float, 1, 1, 8, 8),
            new SampleSourceOptions { Image = ImagePreprocessing.Preset("imagenet") with { Width = null, Height = null, Color = null } }));

        Assert.Contains("Mean has 3 values", error.Message, StringComparison.Ordinal);
    }
}
