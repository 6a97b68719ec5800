namespace EdgeOpt.Tests.ControlFlow;

/// <summary>The control-flow fixture itself: Silero VAD legacy tells espeak-ng speech from silence under ONNX Runtime.</summary>
public sealed class SileroVadFixtureTests
{
    [Fact]
    public void Legacy_model_finds_the_spoken_sentences_and_not_the_silence()
    {
        float[] audio = SpeechAudio.SpeechAndSilence;
        float[] probabilities = SileroVad.SpeechProbabilities(Fixtures.SileroVadLegacy, audio);

        // The first 0.5 s is hiss only; the model needs a few chunks to settle, so look at chunks 4..14 (0.13-0.45 s).
        float silence = probabilities[4..15].Max();
        float speech = probabilities.Max();
        Assert.True(silence < 0.2f, $"silence scored up to {silence}");
        Assert.True(speech > 0.8f, $"speech scored at most {speech}");
        Assert.True(probabilities.Count(p => p > 0.5f) >= 20, "fewer than 20 speech chunks (0.64 s) in two spoken sentences");
    }
}
