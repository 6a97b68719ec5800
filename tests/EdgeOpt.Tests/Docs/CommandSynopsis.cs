using System.Text;
using System.Text.RegularExpressions;

namespace EdgeOpt.Tests.Docs;

/// <summary>
/// Turns a documented usage line (<c>quantize MODEL -o OUT --type int8|fp16 [--calib DIR|FILE] [--runs N | --duration S]</c>)
/// into concrete argument lists the real parser can check: one without any optional part, one with every optional part,
/// and one more for each alternative (<c>a|b</c>, <c>(x | y)</c>, <c>[x | y]</c>) with everything else included.
/// Placeholders in capitals become sample values of the right kind (N → 2, MODEL → model.onnx, NAME=SIZE → x=1);
/// <c>...</c> (repetition) and bracketed prose (<c>[image options as quantize]</c>) are dropped. A concrete example line
/// (no brackets, no placeholders) expands to itself.
/// </summary>
internal static partial class CommandSynopsis
{
    /// <summary>One concrete argument list; <see cref="HasPlaceholders"/> when it holds sample values rather than the docs' own.</summary>
    internal sealed record Expansion(IReadOnlyList<string> Arguments, bool HasPlaceholders)
    {
        public override string ToString() => string.Join(" ", Arguments.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
    }

    private static readonly Dictionary<string, string> Samples = new(StringComparer.Ordinal)
    {
        ["MODEL"] = "model.onnx", ["OUT"] = "out.onnx", ["REF"] = "reference.onnx", ["FILE"] = "file.txt", ["DIR"] = "folder",
        ["OLD_DIR"] = "old", ["NEW_DIR"] = "new", ["DATA"] = "data", ["TEXT"] = "title", ["NAME"] = "x", ["LEVEL"] = "all",
        ["N"] = "2", ["S"] = "1", ["X"] = "50", ["P"] = "99.9", ["MS"] = "100", ["BYTES"] = "1024", ["SIZE"] = "1",
        ["DIMS"] = "1x3", ["VALUE"] = "1", ["WxH"] = "28x28",
    };

    public static List<Expansion> Expand(string synopsis)
    {
        var root = new Parser(Tokenize(synopsis)).ParseChoice(end: null);
        var counter = 0;
        Emit(root, emit: true, includeOptional: true, overrides: [], output: [], ref counter);
        var points = counter; // choice points, numbered in traversal order

        var lines = new List<Expansion> { Line(false, []), Line(true, []) };
        for (var point = 0; point < points; point++)
        {
            var alternatives = CountAlternatives(root, point);
            for (var alternative = 1; alternative < alternatives; alternative++) lines.Add(Line(true, new() { [point] = alternative }));
        }
        return lines.DistinctBy(l => l.ToString()).ToList();

        Expansion Line(bool includeOptional, Dictionary<int, int> overrides)
        {
            var words = new List<Word>();
            var n = 0;
            Emit(root, emit: true, includeOptional, overrides, words, ref n);
            return new Expansion([.. words.Select(w => w.Text)], words.Any(w => w.IsSample));
        }
    }

    private sealed record Word(string Text, bool IsSample);

    private abstract record Node;
    private sealed record Literal(string[] Alternatives) : Node;        // a word; "a|b" is one word with two alternatives
    private sealed record Choice(List<List<Node>> Alternatives) : Node; // a group "( x | y )" or a whole sequence
    private sealed record Optional(Choice Body) : Node;                 // "[ ... ]"

    private static void Emit(Node node, bool emit, bool includeOptional, Dictionary<int, int> overrides, List<Word> output, ref int counter)
    {
        switch (node)
        {
            case Literal literal:
                var chosen = 0;
                if (literal.Alternatives.Length > 1) chosen = overrides.GetValueOrDefault(counter++);
                if (emit) output.Add(Sample(literal.Alternatives[chosen]));
                break;
            case Choice choice:
                var pick = 0;
                if (choice.Alternatives.Count > 1) pick = overrides.GetValueOrDefault(counter++);
                for (var i = 0; i < choice.Alternatives.Count; i++)
                    foreach (var child in choice.Alternatives[i])
                        Emit(child, emit && i == pick, includeOptional, overrides, output, ref counter);
                break;
            case Optional optional:
                Emit(optional.Body, emit && includeOptional, includeOptional, overrides, output, ref counter);
                break;
        }
    }

    private static int CountAlternatives(Node root, int point)
    {
        var counter = 0;
        var found = 0;
        Visit(root);
        return found;

        void Visit(Node node)
        {
            switch (node)
            {
                case Literal literal when literal.Alternatives.Length > 1:
                    if (counter++ == point) found = literal.Alternatives.Length;
                    break;
                case Choice choice:
                    if (choice.Alternatives.Count > 1 && counter++ == point) found = choice.Alternatives.Count;
                    foreach (var alternative in choice.Alternatives)
                        foreach (var child in alternative) Visit(child);
                    break;
                case Optional optional:
                    Visit(optional.Body);
                    break;
            }
        }
    }

    /// <summary>A documented value as a concrete argument: placeholders become samples, <c>,...</c> repetition is dropped.</summary>
    private static Word Sample(string text)
    {
        var isSample = false;
        text = text.Replace(",...", "", StringComparison.Ordinal);
        var replaced = Placeholder().Replace(text, m =>
        {
            if (!Samples.TryGetValue(m.Value, out var sample)) return m.Value;
            isSample = true;
            return sample;
        });
        return new Word(replaced, isSample);
    }

    // Capitalised words (MODEL, OLD_DIR, N) and WxH; "a,b" or "Op1,Op2" are literal sample lists already.
    [GeneratedRegex(@"\b(?:[A-Z][A-Z0-9_]*|WxH)\b")]
    private static partial Regex Placeholder();

    // "NAME=VALUE[,NAME=VALUE...]": a bracket glued to a word repeats it; the first occurrence is enough.
    [GeneratedRegex(@"(?<=[^\s\[(|])\[[^\[\]\s]*\]")]
    private static partial Regex GluedRepetition();

    private static List<string> Tokenize(string synopsis)
    {
        var text = GluedRepetition().Replace(synopsis, "");
        var tokens = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"') quoted = !quoted;
            if (!quoted && (char.IsWhiteSpace(c) || c is '[' or ']' or '(' or ')'))
            {
                Flush();
                if (!char.IsWhiteSpace(c)) tokens.Add(c.ToString());
                continue;
            }
            current.Append(c);
        }
        Flush();
        return tokens;

        void Flush()
        {
            if (current.Length > 0) tokens.Add(current.ToString());
            current.Clear();
        }
    }

    private sealed class Parser(List<string> tokens)
    {
        private int _at;

        public Choice ParseChoice(string? end)
        {
            var alternatives = new List<List<Node>> { new() };
            while (_at < tokens.Count && tokens[_at] != end)
            {
                var token = tokens[_at++];
                switch (token)
                {
                    case "|":
                        alternatives.Add([]);
                        break;
                    case "...":
                        break; // repetition of what precedes: once is enough
                    case "[":
                        var start = _at;
                        var body = ParseChoice("]");
                        _at++; // "]"
                        if (!IsProse(tokens.GetRange(start, _at - start - 1))) alternatives[^1].Add(new Optional(body));
                        break;
                    case "(":
                        alternatives[^1].Add(ParseChoice(")"));
                        _at++; // ")"
                        break;
                    default:
                        alternatives[^1].Add(new Literal([.. SplitAlternatives(token)]));
                        break;
                }
            }
            return new Choice(alternatives);
        }

        /// <summary>"[image options as quantize]", "[...]": words for the reader, not arguments.</summary>
        private static bool IsProse(List<string> inside) =>
            inside.All(t => t == "...") || (inside.Count >= 2 && inside.All(t => t.All(char.IsAsciiLetterLower)));

        /// <summary>Splits <c>a|b|"N MB/s"</c> on the bars outside quotes, dropping the quotes.</summary>
        private static IEnumerable<string> SplitAlternatives(string token)
        {
            var current = new StringBuilder();
            var quoted = false;
            foreach (var c in token)
            {
                if (c == '"')
                {
                    quoted = !quoted;
                    continue;
                }
                if (c == '|' && !quoted)
                {
                    yield return current.ToString();
                    current.Clear();
                    continue;
                }
                current.Append(c);
            }
            yield return current.ToString();
        }
    }
}
