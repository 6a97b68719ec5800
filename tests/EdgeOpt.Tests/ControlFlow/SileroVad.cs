using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Tests.ControlFlow;

/// <summary>
/// Runs a Silero VAD model the way its users do: 512-sample chunks at 16 kHz, recurrent state (h, c) carried from
/// one chunk to the next. Works for the legacy model (inputs input, sr, h, c; outputs output, hn, cn), for v5 (inputs
/// input, state, sr; outputs output, stateN) and for models with sr bound to a constant.
/// </summary>
internal static class SileroVad
{
    /// <summary>Speech probability of every chunk of <paramref name="audio"/>, in order.</summary>
    public static float[] SpeechProbabilities(string modelPath, float[] audio) => SpeechProbabilities(File.ReadAllBytes(modelPath), audio);

    /// <summary>
    /// Speech probability of every chunk of <paramref name="audio"/> for a model held in memory; <paramref name="feeds"/>,
    /// when given, receives each chunk's float inputs (audio and carried state) as the model saw them (calibration data).
    /// </summary>
    public static float[] SpeechProbabilities(byte[] model, float[] audio, List<Dictionary<string, float[]>>? feeds = null)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        // v5 carries one state tensor; the legacy model carries h and c.
        (string In, string Out)[] carried = session.InputMetadata.ContainsKey("state") ? [("state", "stateN")] : [("h", "hn"), ("c", "cn")];
        var state = carried.ToDictionary(
            s => s.In,
            s => new DenseTensor<float>([.. session.InputMetadata[s.In].Dimensions.Select(d => d <= 0 ? 1 : d)]));
        bool takesRate = session.InputMetadata.ContainsKey("sr");
        var probabilities = new List<float>();
        foreach (float[] chunk in SpeechAudio.Chunks(audio))
        {
            var inputs = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(chunk, [1, chunk.Length])) };
            inputs.AddRange(carried.Select(s => NamedOnnxValue.CreateFromTensor(s.In, state[s.In])));
            feeds?.Add(carried.ToDictionary(s => s.In, s => state[s.In].ToArray()).Append(new("input", chunk)).ToDictionary());
            if (takesRate)
                inputs.Add(NamedOnnxValue.CreateFromTensor("sr", new DenseTensor<long>(new[] { (long)SpeechAudio.SampleRate }, [])));
            using var results = session.Run(inputs);
            var byName = results.ToDictionary(r => r.Name);
            probabilities.Add(byName["output"].AsTensor<float>().ToArray()[0]);
            foreach (var (input, output) in carried)
                state[input] = (DenseTensor<float>)byName[output].AsTensor<float>().Clone();
        }
        return [.. probabilities];
    }
}
