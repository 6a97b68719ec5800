using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeOpt.Tests.Transformer;

/// <summary>
/// Real English prose for the text-model tests: the README files that Debian's essential and base packages install
/// under /usr/share/doc (bash, coreutils, apt, adduser, dpkg, gzip, grep, findutils, xz-utils, libgcc, ...), cut into sentences.
/// Deterministic: the same files give the same sentences in the same order.
/// </summary>
internal static partial class EnglishSentences
{
    private static readonly string[] Files =
    [
        "/usr/share/doc/bash/README.gz", "/usr/share/doc/coreutils/README.gz", "/usr/share/doc/apt/README.md.gz",
        "/usr/share/doc/adduser/README.gz", "/usr/share/doc/dpkg/README.feature-removal-schedule.gz",
        "/usr/share/doc/dpkg/README.bug-usertags.gz", "/usr/share/doc/dpkg/README.api", "/usr/share/doc/gzip/README.gz",
        "/usr/share/doc/grep/README", "/usr/share/doc/findutils/README.gz", "/usr/share/doc/base-files/README.FHS",
        "/usr/share/doc/bash/README.abs-guide", "/usr/share/doc/sed/README", "/usr/share/doc/tar/README.Debian",
        "/usr/share/doc/xz-utils/README.gz", "/usr/share/doc/libgcc-s1/README.Bugs", "/usr/share/doc/man-db/README.md.gz",
        "/usr/share/doc/systemd/README.gz",
    ];

    private static readonly Lazy<IReadOnlyList<string>> All = new(Read);

    /// <summary>Every sentence found: 4 to 60 words, mostly letters, no duplicates.</summary>
    public static IReadOnlyList<string> Sentences => All.Value;

    /// <summary>
    /// Two disjoint sets: <paramref name="evaluation"/> sentences to compare models on and <paramref name="calibration"/>
    /// others (every fourth sentence goes to calibration until it is full), so calibration never sees the test sentences.
    /// </summary>
    public static (IReadOnlyList<string> Evaluation, IReadOnlyList<string> Calibration) Split(int evaluation, int calibration)
    {
        var all = Sentences;
        if (all.Count < evaluation + calibration)
            throw new InvalidOperationException($"only {all.Count} sentences in the Debian README files, {evaluation + calibration} needed");
        var calib = new List<string>();
        var eval = new List<string>();
        for (var i = 0; i < all.Count; i++)
        {
            if (i % 4 == 3 && calib.Count < calibration) calib.Add(all[i]);
            else if (eval.Count < evaluation) eval.Add(all[i]);
        }
        if (calib.Count < calibration)
            throw new InvalidOperationException($"only {calib.Count} calibration sentences, {calibration} needed");
        return (eval, calib);
    }

    private static List<string> Read()
    {
        var present = Files.Where(File.Exists).ToList();
        if (present.Count < Files.Length / 2)
            throw new FileNotFoundException($"Debian README files missing under /usr/share/doc (found {present.Count} of {Files.Length}); is /usr/share/doc excluded by dpkg?");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sentences = new List<string>();
        foreach (var file in present)
        {
            var text = Whitespace().Replace(ReadText(file), " ");
            foreach (var raw in SentenceEnd().Split(text))
            {
                var sentence = raw.Trim().Trim('*', '-', '#', '=', ' ');
                var words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words.Length is < 4 or > 60) continue;
                var letters = sentence.Count(char.IsLetter);
                if (letters < sentence.Length * 0.7 || !char.IsLetter(sentence[0])) continue;
                if (seen.Add(sentence)) sentences.Add(sentence);
            }
        }
        return sentences;
    }

    private static string ReadText(string file)
    {
        using var stream = File.OpenRead(file);
        using var text = file.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : (Stream)stream;
        using var reader = new StreamReader(text, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    // A sentence ends at . ! or ? followed by a space and a capital letter (not "e.g. the", not "1.2").
    [GeneratedRegex(@"(?<=[.!?])\s+(?=[A-Z])")]
    private static partial Regex SentenceEnd();
}
