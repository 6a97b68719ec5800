using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeOpt.Tests.Docs;

/// <summary>One <c>edgeopt …</c> command line written in a document, with where it was found.</summary>
/// <param name="Source">File and line, e.g. <c>docs/cli.md:228</c>.</param>
/// <param name="Text">The text after <c>edgeopt</c>, continuation lines joined, prompt and shell comment removed.</param>
internal sealed record DocCommandLine(string Source, string Text)
{
    public override string ToString() => $"{Source}: edgeopt {Text}";
}

/// <summary>
/// Finds the <c>edgeopt</c> command lines in the repository's Markdown: lines of fenced code blocks (untagged, sh, bash,
/// shell or console; a leading <c>$ </c> prompt and a trailing <c># comment</c> dropped, indented continuation lines
/// joined, <c>dotnet run --project src/EdgeOpt.Cli … -- ARGS</c> counted as <c>edgeopt ARGS</c>, <c>&amp;&amp;</c> splitting
/// two commands), and inline code spans starting with <c>edgeopt </c>.
/// </summary>
internal static partial class DocCommandLines
{
    public static readonly string RepositoryRoot =
        typeof(DocCommandLines).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>The documents whose command lines are checked.</summary>
    public static readonly string[] Documents = ["README.md", "docs/cli.md"];

    private static readonly HashSet<string> ShellLanguages = new(StringComparer.OrdinalIgnoreCase) { "", "sh", "bash", "shell", "console" };

    public static string Read(string document) => File.ReadAllText(Path.Combine(RepositoryRoot, document));

    /// <summary>Command lines in fenced code blocks.</summary>
    public static List<DocCommandLine> Fenced(string document)
    {
        var lines = Read(document).Split('\n');
        var found = new List<DocCommandLine>();
        string? language = null; // null: outside a fence
        DocCommandLine? open = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                Close();
                language = language is null ? line.Trim().TrimStart('`').Trim() : null;
                continue;
            }
            if (language is null || !ShellLanguages.Contains(language)) continue;

            var text = WithoutComment(line);
            if (open is not null && text.Length > 0 && char.IsWhiteSpace(text[0]))
            {
                open = open with { Text = open.Text + " " + text.Trim() };
                continue;
            }
            Close();
            foreach (var command in text.Split("&&"))
                if (Invocation(command.Trim()) is { } args) open = Add(new DocCommandLine($"{document}:{i + 1}", args));
        }
        Close();
        return found;

        DocCommandLine Add(DocCommandLine line)
        {
            // With two commands on a line (a && b) only the last can continue on the next line.
            if (open is not null) found.Add(open);
            return line;
        }

        void Close()
        {
            if (open is not null) found.Add(open);
            open = null;
        }
    }

    /// <summary>Inline code spans that start with <c>edgeopt </c>.</summary>
    public static List<DocCommandLine> Inline(string document)
    {
        var text = Read(document);
        var found = new List<DocCommandLine>();
        foreach (Match m in InlineCommand().Matches(text))
        {
            var line = text.AsSpan(0, m.Index).Count('\n') + 1;
            found.Add(new DocCommandLine($"{document}:{line}", m.Groups[1].Value.Replace('\n', ' ').Trim()));
        }
        return found;
    }

    /// <summary>The arguments of an <c>edgeopt</c> invocation, or null when the text runs something else.</summary>
    private static string? Invocation(string text)
    {
        if (text.StartsWith("$ ", StringComparison.Ordinal)) text = text[2..].TrimStart();
        if (text.StartsWith("edgeopt ", StringComparison.Ordinal) || text == "edgeopt") return text["edgeopt".Length..].Trim();
        var separator = text.IndexOf(" -- ", StringComparison.Ordinal);
        if (text.StartsWith("dotnet run ", StringComparison.Ordinal) && text.Contains("src/EdgeOpt.Cli", StringComparison.Ordinal) && separator > 0)
            return text[(separator + 4)..].Trim();
        return null;
    }

    private static string WithoutComment(string line)
    {
        var hash = line.IndexOf(" #", StringComparison.Ordinal);
        return (hash >= 0 ? line[..hash] : line).TrimEnd();
    }

    [GeneratedRegex(@"(?<!`)`edgeopt ([^`]+)`(?!`)")]
    private static partial Regex InlineCommand();

    /// <summary>Splits a concrete command line into arguments as a POSIX shell would for these simple lines (double quotes group).</summary>
    public static List<string> ShellWords(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var inWord = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (inWord) words.Add(current.ToString());
                current.Clear();
                inWord = false;
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }
        if (inWord) words.Add(current.ToString());
        return words;
    }
}
