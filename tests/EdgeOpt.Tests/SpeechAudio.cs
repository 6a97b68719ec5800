using System.Buffers.Binary;
using System.Diagnostics;

namespace EdgeOpt.Tests;

/// <summary>
/// Real speech for the voice-activity tests: sentences spoken by Debian's espeak-ng (installed by scripts/test.sh),
/// resampled to 16 kHz mono float in [-1, 1], with stretches of silence around them.
/// </summary>
internal static class SpeechAudio
{
    public const int SampleRate = 16000;

    private static readonly Lazy<float[]> Clip = new(() => Build(
        "Edge devices run small models.",
        "The quick brown fox jumps over the lazy dog, and then it rests in the shade."));

    /// <summary>About 1 s of silence, the first sentence, 1.5 s of silence, the second sentence, 1 s of silence (16 kHz).</summary>
    public static float[] SpeechAndSilence => Clip.Value;

    /// <summary>Splits <paramref name="samples"/> into consecutive chunks of <paramref name="chunk"/> samples (the last partial one dropped).</summary>
    public static IEnumerable<float[]> Chunks(float[] samples, int chunk = 512)
    {
        for (int start = 0; start + chunk <= samples.Length; start += chunk)
            yield return samples.AsSpan(start, chunk).ToArray();
    }

    private static float[] Build(string first, string second)
    {
        var audio = new List<float>();
        audio.AddRange(Silence(SampleRate));
        audio.AddRange(Speak(first));
        audio.AddRange(Silence(SampleRate * 3 / 2));
        audio.AddRange(Speak(second));
        audio.AddRange(Silence(SampleRate));
        return [.. audio];
    }

    // Not digital zero: a faint deterministic hiss, as a real microphone gives.
    private static float[] Silence(int count)
    {
        var random = new Random(count);
        var samples = new float[count];
        for (int i = 0; i < count; i++)
            samples[i] = (float)((random.NextDouble() - 0.5) * 2e-3);
        return samples;
    }

    public static float[] Speak(string text)
    {
        string wav = Path.Combine(Path.GetTempPath(), $"edgeopt-speech-{Guid.NewGuid():N}.wav");
        try
        {
            var start = new ProcessStartInfo("espeak-ng") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string argument in new[] { "-w", wav, "-s", "150", text })
                start.ArgumentList.Add(argument);
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("espeak-ng is not installed (scripts/test.sh installs it)", e);
            }
            using (process)
            {
                process.WaitForExit();
                if (process.ExitCode != 0)
                    throw new InvalidOperationException($"espeak-ng failed: {process.StandardError.ReadToEnd()}");
            }
            var (samples, rate) = ReadPcm16Wav(File.ReadAllBytes(wav));
            return Resample(samples, rate, SampleRate);
        }
        finally
        {
            File.Delete(wav);
        }
    }

    private static (float[] Samples, int Rate) ReadPcm16Wav(byte[] file)
    {
        int rate = 0;
        int position = 12;
        while (position + 8 <= file.Length)
        {
            string id = System.Text.Encoding.ASCII.GetString(file, position, 4);
            int size = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(position + 4));
            if (id == "fmt ")
            {
                rate = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(position + 12));
            }
            else if (id == "data")
            {
                // espeak-ng writes 0x7FFFFFFF as the data size when streaming; take what is there.
                int length = Math.Min(size < 0 ? int.MaxValue : size, file.Length - position - 8) / 2;
                var samples = new float[length];
                for (int i = 0; i < length; i++)
                    samples[i] = BinaryPrimitives.ReadInt16LittleEndian(file.AsSpan(position + 8 + 2 * i)) / 32768f;
                return (samples, rate);
            }
            position += 8 + size + (size & 1);
        }
        throw new InvalidDataException("espeak-ng wrote no PCM data chunk");
    }

    // Windowed-sinc resampling (Hann, 16 taps each side): band-limits to the lower Nyquist so 22.05 kHz speech does not alias.
    private static float[] Resample(float[] input, int fromRate, int toRate)
    {
        if (fromRate == toRate)
            return input;
        double ratio = (double)fromRate / toRate;
        double cutoff = Math.Min(1.0, (double)toRate / fromRate);
        const int HalfTaps = 16;
        var output = new float[(int)(input.Length / ratio)];
        for (int n = 0; n < output.Length; n++)
        {
            double center = n * ratio;
            int first = (int)Math.Floor(center) - HalfTaps + 1;
            double sum = 0;
            for (int k = first; k < first + 2 * HalfTaps; k++)
            {
                if (k < 0 || k >= input.Length)
                    continue;
                double x = k - center;
                double sinc = x == 0 ? cutoff : Math.Sin(Math.PI * cutoff * x) / (Math.PI * x);
                double window = 0.5 + 0.5 * Math.Cos(Math.PI * x / HalfTaps);
                sum += input[k] * sinc * window;
            }
            output[n] = (float)sum;
        }
        return output;
    }
}
