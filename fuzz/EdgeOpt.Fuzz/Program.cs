using EdgeOpt.Fuzz;
using SharpFuzz;

// Usage (fuzz/run.sh drives the first form; see docs/reliability.md, "Coverage-guided fuzzing"):
//   EdgeOpt.Fuzz HARNESS                          the afl-fuzz target: SharpFuzz's out-of-process fork server, input on stdin
//   EdgeOpt.Fuzz --replay HARNESS FILE|DIR...     runs inputs in-process and says what each did (exit 1 if one is a finding)
//   EdgeOpt.Fuzz --list                           harness names and what they drive
//   EdgeOpt.Fuzz --make-seeds CORPUS REPO         rewrites the committed seed corpora (fuzz/corpus)
//   EdgeOpt.Fuzz --extra-seeds HARNESS DIR REPO   writes run-time seeds from the fixtures on this machine
switch (args)
{
    case ["--list"]:
        foreach (var h in FuzzHarnesses.All) Console.WriteLine($"{h.Name,-16} {h.Summary}");
        return 0;
    case ["--replay", var name, .. var paths] when paths.Length > 0:
        return Replay(FuzzHarnesses.Find(name), paths);
    case ["--make-seeds", var corpus, var repo]:
        SeedMaker.MakeCommitted(corpus, repo);
        return 0;
    case ["--extra-seeds", var name, var folder, var repo]:
        FuzzHarnesses.Find(name);
        Console.WriteLine($"{SeedMaker.MakeExtra(name, folder, repo)} extra seeds for {name} in {folder}");
        return 0;
    case [var name] when !name.StartsWith('-'):
        // Nothing of EdgeOpt may run before SharpFuzz has set up the trace memory: the instrumented EdgeOpt.dll writes
        // to it from its first line. So the harness is looked up inside the action. Out of process: a hang or a stack
        // overflow ends only the child, which SharpFuzz restarts, and afl-fuzz records it.
        FuzzHarness? harness = null;
        Fuzzer.OutOfProcess.Run(stream =>
        {
            harness ??= FuzzHarnesses.Find(name);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            harness.Run(copy.ToArray());
        });
        return 0;
    default:
        Console.Error.WriteLine("usage: EdgeOpt.Fuzz HARNESS | --replay HARNESS FILE|DIR... | --list | --make-seeds CORPUS REPO | --extra-seeds HARNESS DIR REPO");
        return 2;
}

static int Replay(FuzzHarness harness, string[] paths)
{
    var files = paths.SelectMany<string, string>(p => Directory.Exists(p)
        ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal)
        : [p]).ToList();
    var findings = 0;
    foreach (var file in files)
    {
        var input = File.ReadAllBytes(file);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var outcome = harness.Run(input);
            Console.WriteLine($"{(outcome.Accepted ? "accepted" : "refused "),-8} {watch.ElapsedMilliseconds,6} ms  {file}");
            foreach (var (step, message) in outcome.Refusals) Console.WriteLine($"  step {step}: {message}");
        }
#pragma warning disable CA1031 // Whatever escapes is the finding to report.
        catch (Exception e)
#pragma warning restore CA1031
        {
            findings++;
            Console.WriteLine($"FINDING  {watch.ElapsedMilliseconds,6} ms  {file}");
            Console.WriteLine($"  {e.GetType().FullName}: {e.Message}");
            Console.WriteLine(string.Join(Environment.NewLine, (e.StackTrace ?? "").Split('\n').Take(12).Select(l => "  " + l.Trim())));
        }
    }
    Console.WriteLine($"{files.Count} inputs, {findings} findings");
    return findings == 0 ? 0 : 1;
}
