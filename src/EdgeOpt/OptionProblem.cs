namespace EdgeOpt;

/// <summary>
/// One thing wrong with the options of a call: which options (and option values) it involves, and what is allowed.
/// The message names them through placeholders, so each host can name them its own way: the library by member
/// (<c>BlockSize 48: expected a power of two …</c>), the CLI by flag (<c>--block-size 48: …</c>).
/// </summary>
public sealed class OptionProblem
{
    /// <param name="template">The message, with <c>{0}</c>, <c>{1}</c>, … where the names in <paramref name="names"/> go.</param>
    /// <param name="names">
    /// Each option as <c>Record.Member</c> (e.g. <c>QuantizerOptions.BlockSize</c>), or an enum value as <c>Enum.Member</c>
    /// (e.g. <c>QuantizationType.Float16</c>), in the order the template uses them.
    /// </param>
    public OptionProblem(string template, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(names);
        Template = template;
        Names = names;
    }

    /// <summary>The message with <c>{0}</c>, <c>{1}</c>, … where the names go.</summary>
    public string Template { get; }

    /// <summary>The options and values the message names, qualified (<c>QuantizerOptions.BlockSize</c>); the first is the one at fault.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The option at fault (the first name).</summary>
    public string Option => Names.Count > 0 ? Names[0] : "";

    /// <summary>The message with every name spelled by <paramref name="name"/> (given the qualified name).</summary>
    public string Format(Func<string, string> name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = Template;
        // Highest index first, so {1} never eats the start of {10}.
        for (var i = Names.Count - 1; i >= 0; i--) text = text.Replace("{" + i + "}", name(Names[i]), StringComparison.Ordinal);
        return text;
    }

    /// <summary>The message naming options and values by their member names (<c>BlockSize</c>, <c>Float16</c>).</summary>
    public string Message => Format(MemberName);

    public override string ToString() => Message;

    /// <summary><c>QuantizerOptions.BlockSize</c> → <c>BlockSize</c>.</summary>
    public static string MemberName(string qualified)
    {
        ArgumentNullException.ThrowIfNull(qualified);
        return qualified[(qualified.LastIndexOf('.') + 1)..];
    }
}
