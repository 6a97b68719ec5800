using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Tests.ControlFlow;

/// <summary>
/// Runs a Silero VAD model the way its users do: 512-sample chunks at 16 kHz, recurrent state (h, c) carried from
/// one chunk to the next. Works for the legacy model (inputs input, sr, h, c), for v5 (input, state, sr) and for
/// models with sr bound to a constant.
/// </summary>
internal static class SileroVad
{
    /// <summary>Speech probability of every chunk of <paramref name="audio"/>, in order.</summary>
    public static float[] SpeechProbabilities(string modelPath, float[] audio) => SpeechProbabilities(File.ReadAllBytes(modelPath), audio);

    /// <summary>Speech probability of every chunk of <paramref name="audio"/> for a model held in memory.</summary>
    public static float[] SpeechProbabilities(byte[] model, float[] audio)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        if (session.InputMetadata.ContainsKey("state")) return WithSingleState(session, audio);
        int[] stateShape = [.. session.InputMetadata["h"].Dimensions.Select(d => d <= 0 ? 1 : d)];
        var h = new DenseTensor<float>(stateShape);
        var c = new DenseTensor<float>(stateShape);
        bool takesRate = session.InputMetadata.ContainsKey("sr");
        var probabilities = new List<float>();
        foreach (float[] chunk in SpeechAudio.Chunks(audio))
        {
            var inputs = new List<NamedOnnxValue>
            {
                NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(chunk, [1, chunk.Length])),
                NamedOnnxValue.CreateFromTensor("h", h),
                NamedOnnxValue.CreateFromTensor("c", c),
            };
            if (takesRate)
                inputs.Add(NamedOnnxValue.CreateFromTensor("sr", new DenseTensor<long>(new[] { (long)SpeechAudio.SampleRate }, [])));
            using var results = session.Run(inputs);
            var byName = results.ToDictionary(r => r.Name);
            probabilities.Add(byName["output"].AsTensor<float>().ToArray()[0]);
            h = (DenseTensor<float>)byName["hn"].AsTensor<float>().Clone();
            c = (DenseTensor<float>)byName["cn"].AsTensor<float>().Clone();
        }
        return [.. probabilities];
    }

    /// <summary>Silero v5: one state tensor [2, batch, 128] in, stateN out.</summary>
    private static float[] WithSingleState(InferenceSession session, float[] audio)
    {
        var state = new DenseTensor<float>([2, 1, 128]);
        bool takesRate = session.InputMetadata.ContainsKey("sr");
        var probabilities = new List<float>();
        foreach (float[] chunk in SpeechAudio.Chunks(audio))
        {
            var inputs = new List<NamedOnnxValue>
            {
                NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(chunk, [1, chunk.Length])),
                NamedOnnxValue.CreateFromTensor("state", state),
            };
            if (takesRate)
                inputs.Add(NamedOnnxValue.CreateFromTensor("sr", new DenseTensor<long>(new[] { (long)SpeechAudio.SampleRate }, [])));
            using var results = session.Run(inputs);
            var byName = results.ToDictionary(r => r.Name);
            probabilities.Add(byName["output"].AsTensor<float>().ToArray()[0]);
            state = (DenseTensor<float>)byName["stateN"].AsTensor<float>().Clone();
        }
        return [.. probabilities];
    }
}
