using System.CommandLine;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeOpt.Cli;
using EdgeOpt.Tests.Cli;

namespace EdgeOpt.Tests.Docs;

/// <summary>
/// The command lines in README.md and docs/cli.md against the real command tree (<see cref="CliApp.BuildRoot"/>), the way
/// nietras/Sep tests its README: every usage line and example in a code block parses without an error (no unknown
/// command or option, no missing or extra argument, no bad value) in each of its forms; every <c>edgeopt …</c> named in
/// the prose names commands and options that exist; the self-contained ones (<c>devices</c>, <c>demo</c>, <c>--help</c>)
/// run and succeed.
/// </summary>
public partial class DocsCommandLineTests
{
    public static TheoryData<string> Documents => [.. DocCommandLines.Documents];

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_command_line_in_a_code_block_parses_in_each_documented_form(string document)
    {
        var lines = DocCommandLines.Fenced(document);
        var problems = new List<string>();
        var forms = 0;
        foreach (var line in lines)
            foreach (var form in CommandSynopsis.Expand(line.Text))
            {
                forms++;
                var parse = CliApp.BuildRoot().Parse([.. form.Arguments]);
                if (parse.Errors.Count > 0)
                    problems.Add($"{line.Source}: `edgeopt {form}`: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
            }

        Assert.NotEmpty(lines);
        Assert.True(problems.Count == 0, $"{problems.Count} of {forms} forms do not parse:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void The_reference_shows_a_usage_line_for_every_command()
    {
        var documented = DocCommandLines.Fenced("docs/cli.md")
            .Select(l => CliApp.BuildRoot().Parse([.. CommandSynopsis.Expand(l.Text)[0].Arguments]).CommandResult.Command)
            .Select(CommandPath)
            .ToHashSet(StringComparer.Ordinal);

        var missing = AllCommands(CliApp.BuildRoot()).Select(CommandPath).Where(p => !documented.Contains(p)).ToList();
        Assert.True(missing.Count == 0, "docs/cli.md has no usage line for: " + string.Join(", ", missing));
    }

    [Fact]
    public void Every_option_of_every_command_is_in_its_section_of_the_reference()
    {
        var reference = DocCommandLines.Read("docs/cli.md");
        var missing = AllCommands(CliApp.BuildRoot())
            .SelectMany(c => c.Options.Where(o => !o.Hidden && o.Name.StartsWith("--", StringComparison.Ordinal)).Select(o => (Command: CommandPath(c), Option: o)))
            .Where(x => !x.Option.Aliases.Prepend(x.Option.Name).Any(name => Mentions(Section(reference, x.Command.Split(' ')[0]), name)))
            .Select(x => $"{x.Command} {x.Option.Name}")
            .ToList();
        Assert.True(missing.Count == 0, "options their docs/cli.md section never mentions: " + string.Join(", ", missing));
    }

    /// <summary>"-o" in "-o DIR" or "`-o`", not in "--output" or "int8-only".</summary>
    private static bool Mentions(string text, string option) =>
        Regex.IsMatch(text, $@"(?<![\w-]){Regex.Escape(option)}(?![\w-])");

    /// <summary>The text under <c>## `command`</c> up to the next level-2 heading.</summary>
    private static string Section(string markdown, string command)
    {
        var heading = $"\n## `{command}`\n";
        var start = markdown.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/cli.md has no section ## `{command}`");
        var end = markdown.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? markdown[start..] : markdown[start..end];
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_command_named_in_the_prose_exists_with_its_options(string document)
    {
        var spans = DocCommandLines.Inline(document);
        var problems = new List<string>();
        foreach (var span in spans)
        {
            Command command = CliApp.BuildRoot();
            var words = span.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var path = 0;
            for (; path < words.Length; path++)
            {
                var sub = command.Subcommands.FirstOrDefault(s => s.Name == words[path]);
                if (sub is null) break;
                command = sub;
            }
            if (command.Parents.Any() is false) problems.Add($"{span}: '{words.FirstOrDefault()}' is not a command");
            foreach (Match option in OptionName().Matches(string.Join(' ', words.Skip(path))))
                if (!Knows(command, option.Value)) problems.Add($"{span}: `edgeopt {CommandPath(command)}` has no option {option.Value}");
        }

        Assert.NotEmpty(spans);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_self_contained_examples_run_and_succeed()
    {
        var runnable = DocCommandLines.Documents
            .SelectMany(DocCommandLines.Fenced)
            .Concat(DocCommandLines.Documents.SelectMany(DocCommandLines.Inline))
            .SelectMany(l => CommandSynopsis.Expand(l.Text).Where(f => !f.HasPlaceholders).Select(f => (Line: l, Form: f)))
            .Where(x => IsSelfContained(x.Form.Arguments))
            .DistinctBy(x => x.Form.ToString())
            .ToList();

        // The docs show at least `demo`, `demo --json`, `devices`, `devices host` and a `--help`.
        Assert.True(runnable.Count >= 5, "self-contained examples found: " + string.Join(", ", runnable.Select(x => x.Form)));
        foreach (var (line, form) in runnable)
        {
            var (code, stdout, stderr) = CliHarness.Run([.. form.Arguments]);
            Assert.True(code == ExitCodes.Ok, $"{line.Source}: `edgeopt {form}` exited {code}: {stderr}");
            Assert.False(string.IsNullOrWhiteSpace(stdout), $"{line.Source}: `edgeopt {form}` printed nothing");
            if (form.Arguments.Contains("--json")) JsonDocument.Parse(stdout).Dispose();
        }
    }

    /// <summary>Needs no files, network or hardware beyond the host: the demo, the device catalogue, help.</summary>
    private static bool IsSelfContained(IReadOnlyList<string> arguments) =>
        arguments.Contains("--help") || (arguments.Count > 0 && arguments[0] is "demo" or "devices" && arguments.Count(a => !a.StartsWith('-')) <= 2);

    private static bool Knows(Command command, string name)
    {
        foreach (var option in command.Options)
            if (option.Name == name || option.Aliases.Contains(name)) return true;
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null; parent = parent.Parents.OfType<Command>().FirstOrDefault())
            foreach (var option in parent.Options)
                if (option.Recursive && (option.Name == name || option.Aliases.Contains(name))) return true;
        return false;
    }

    private static IEnumerable<Command> AllCommands(Command root) =>
        root.Subcommands.SelectMany(c => AllCommands(c).Prepend(c));

    private static string CommandPath(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c?.Parents.Any() == true; c = c.Parents.OfType<Command>().FirstOrDefault()) names.Insert(0, c.Name);
        return string.Join(' ', names);
    }

    // "--name" or "-o", at the start of a word or after [ ( |, not inside a word like "int8-dynamic".
    [GeneratedRegex(@"(?<![\w-])--?[A-Za-z][\w-]*")]
    private static partial Regex OptionName();
}
