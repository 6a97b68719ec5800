using System.Globalization;
using System.Text;

namespace EdgeOpt.Tests.Transformer;

/// <summary>
/// BERT's uncased WordPiece tokenizer, as Hugging Face's <c>BertTokenizer</c> (do_lower_case = true) does it:
/// clean the text (drop NUL, U+FFFD and control characters, whitespace to spaces), put spaces around CJK ideographs,
/// split on whitespace, lowercase, strip accents (the base letter of accented Latin letters, combining marks dropped), split off every punctuation
/// character, then greedy longest-match-first WordPiece with <c>##</c> continuations (a word with no match, or longer
/// than 100 characters, is <c>[UNK]</c>), wrapped in <c>[CLS]</c> … <c>[SEP]</c>.
/// </summary>
internal sealed class BertTokenizer
{
    private const int MaxCharsPerWord = 100;
    private readonly Dictionary<string, long> _vocab;
    private readonly long _unknown, _classify, _separator;

    private BertTokenizer(Dictionary<string, long> vocab)
    {
        _vocab = vocab;
        _unknown = vocab["[UNK]"];
        _classify = vocab["[CLS]"];
        _separator = vocab["[SEP]"];
    }

    /// <summary>Reads a vocab.txt: one token a line, its id the line number from 0.</summary>
    public static BertTokenizer FromVocabFile(string path)
    {
        var vocab = new Dictionary<string, long>(StringComparer.Ordinal);
        var id = 0L;
        foreach (var line in File.ReadLines(path, Encoding.UTF8)) vocab.TryAdd(line.TrimEnd('\r'), id++);
        return new BertTokenizer(vocab);
    }

    public int VocabularySize => _vocab.Count;

    /// <summary>Token ids of <paramref name="text"/> with [CLS] and [SEP], truncated to <paramref name="maxLength"/> in all.</summary>
    public long[] Encode(string text, int maxLength = 256)
    {
        var ids = new List<long> { _classify };
        foreach (var word in BasicTokens(text))
            ids.AddRange(WordPieces(word));
        if (ids.Count > maxLength - 1) ids.RemoveRange(maxLength - 1, ids.Count - (maxLength - 1));
        ids.Add(_separator);
        return [.. ids];
    }

    /// <summary>The word pieces of <paramref name="text"/> as strings (no [CLS]/[SEP]), for tests and messages.</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        var byId = _vocab.ToDictionary(p => p.Value, p => p.Key);
        return [.. BasicTokens(text).SelectMany(WordPieces).Select(id => byId[id])];
    }

    private static IEnumerable<string> BasicTokens(string text)
    {
        var cleaned = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is 0 or 0xFFFD || IsControl(rune)) continue;
            if (IsWhitespace(rune)) cleaned.Append(' ');
            else if (IsCjk(rune.Value)) cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            else cleaned.Append(rune.ToString());
        }
        foreach (var token in cleaned.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var word = StripAccents(token.ToLowerInvariant());
            var current = new StringBuilder();
            foreach (var rune in word.EnumerateRunes())
            {
                if (IsPunctuation(rune))
                {
                    if (current.Length > 0) yield return current.ToString();
                    current.Clear();
                    yield return rune.ToString();
                }
                else current.Append(rune.ToString());
            }
            if (current.Length > 0) yield return current.ToString();
        }
    }

    private IEnumerable<long> WordPieces(string word)
    {
        if (word.EnumerateRunes().Count() > MaxCharsPerWord) return [_unknown];
        var pieces = new List<long>();
        var start = 0;
        while (start < word.Length)
        {
            long? found = null;
            var end = word.Length;
            for (; end > start; end--)
            {
                if (end < word.Length && char.IsLowSurrogate(word[end])) continue; // never split a surrogate pair
                var piece = (start > 0 ? "##" : "") + word[start..end];
                if (_vocab.TryGetValue(piece, out var id))
                {
                    found = id;
                    break;
                }
            }
            if (found is not { } match) return [_unknown];
            pieces.Add(match);
            start = end;
        }
        return pieces;
    }

    // The base letter of U+00C0..U+017F after NFD without nonspacing marks (letters without a decomposition, such as
    // Æ, Ø, ß, Ł, Œ, map to themselves). A table, because InvariantGlobalization leaves string.Normalize without data.
    private const string LatinBaseLetters =
        "AAAAAA\u00c6CEEEEIIII\u00d0NOOOOO\u00d7\u00d8UUUUY\u00de\u00dfaaaaaa\u00e6ceeeeiiii\u00f0nooooo\u00f7\u00f8uuuuy\u00fey"
        + "AaAaAaCcCcCcCcDd\u0110\u0111EeEeEeEeEeGgGgGgGgHh\u0126\u0127IiIiIiIiI\u0131\u0132\u0133JjKk\u0138LlLlLl\u013f\u0140\u0141\u0142"
        + "NnNnNn\u0149\u014a\u014bOoOoOo\u0152\u0153RrRrRrSsSsSsSsTtTt\u0166\u0167UuUuUuUuUuUuWwYyYZzZzZz\u017f";

    private static string StripAccents(string text)
    {
        var result = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= '\u00c0' and <= '\u017f') result.Append(LatinBaseLetters[c - 0xC0]);
            else if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) result.Append(c);
        }
        return result.ToString();
    }

    private static bool IsWhitespace(Rune rune) =>
        rune.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    private static bool IsControl(Rune rune) =>
        rune.Value is not ('\t' or '\n' or '\r')
        && Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format;

    // BERT treats every non-alphanumeric ASCII character as punctuation ($, ^, `, ...), plus Unicode's P* categories.
    private static bool IsPunctuation(Rune rune) =>
        rune.Value is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    private static bool IsCjk(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
