using System.Text.RegularExpressions;

namespace Snapconv.Cli.Tests;

/// <summary>
/// #17: time comes from the composition root. <c>CliApp</c> (and <c>Program</c>) pick the system clock and hand it down;
/// no other source file reads the wall clock or waits on it. A line that must use real time (a socket's timeout, a
/// third-party library's) says why in a comment starting <c>Real time:</c> on it or just above it.
/// </summary>
public partial class CliAppClockTests
{
    /// <summary>The composition roots: the only files that may name the system clock.</summary>
    private static readonly string[] CompositionRoots = ["src/Snapconv.Cli/CliApp.cs", "src/Snapconv.Cli/Program.cs"];

    private const string Marker = "Real time:";

    [Fact]
    public void Sources_OutsideTheCompositionRoot_NeverReadOrWaitOnTheSystemClock()
    {
        var src = Path.Combine(RepoPaths.Root, "src");
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoPaths.Root, f).Replace('\\', '/'))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .ToList();
        Assert.True(files.Count > 100, $"only {files.Count} source files found under {src}");
        var found = files.Where(f => !CompositionRoots.Contains(f))
            .SelectMany(f => Scan(File.ReadAllText(Path.Combine(RepoPaths.Root, f))).Select(x => $"{f}:{x.Line}: {x.What}"))
            .ToList();
        Assert.True(found.Count == 0, "the system clock read or waited on below the composition root (take a TimeProvider, or say " +
            $"'// {Marker} why' above the line):\n" + string.Join('\n', found));
        // The roots do pick it (else the clock comes from nowhere).
        Assert.Contains("TimeProvider.System", File.ReadAllText(Path.Combine(RepoPaths.Root, CompositionRoots[0])), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("var c = TimeProvider.System;", "TimeProvider.System")]
    [InlineData("var t = DateTime.UtcNow;", "DateTime.UtcNow")]
    [InlineData("var t = DateTimeOffset.Now;", "DateTimeOffset.Now")]
    [InlineData("var d = DateTime.Today;", "DateTime.Today")]
    [InlineData("var s = Stopwatch.GetTimestamp();", "Stopwatch")]
    [InlineData("var s = System.Diagnostics.Stopwatch.StartNew();", "Stopwatch")]
    [InlineData("Thread.Sleep(10);", "Thread.Sleep")]
    [InlineData("var n = Environment.TickCount64;", "Environment.TickCount")]
    [InlineData("await Task.Delay(TimeSpan.FromSeconds(1), ct);", "Task.Delay without a clock")]
    [InlineData("await Task.Delay(\n    Math.Max(1, (int)wait.TotalMilliseconds));", "Task.Delay without a clock")]
    [InlineData("using var t = new PeriodicTimer(TimeSpan.FromSeconds(1));", "PeriodicTimer without a clock")]
    [InlineData("using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));", "CancellationTokenSource without a clock")]
    [InlineData("cts.CancelAfter(TimeSpan.FromSeconds(5));", "CancelAfter")]
    [InlineData("var t = new Timer(_ => Tick(), null, 0, 1000);", "Timer")]
    [InlineData("await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));", "WaitAsync without a clock")]
    [InlineData("if (!gate.Wait(500)) return;", "Wait without a clock")]
    public void Scan_ASystemClockForm_IsFound(string code, string what)
    {
        var found = Scan("class C\n{\n    void M()\n    {\n        " + code + "\n    }\n}\n");
        Assert.Equal((5, what), Assert.Single(found));
    }

    [Theory]
    [InlineData("await Task.Delay(TimeSpan.FromSeconds(1), clock, ct);")]
    [InlineData("await Task.Delay(Math.Max(1, (int)wait.TotalMilliseconds), _clock, ct);")]
    [InlineData("using var t = new PeriodicTimer(TimeSpan.FromSeconds(1), options.Clock);")]
    [InlineData("using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5), clock);")]
    [InlineData("using var cts = new CancellationTokenSource();")]
    [InlineData("await work.WaitAsync(ct); await gate.WaitAsync(0, ct); task.Wait();")]
    [InlineData("await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30), clock);")]
    [InlineData("var now = clock.GetUtcNow(); var started = clock.GetTimestamp();")]
    [InlineData("// Stopwatch.GetTimestamp() in a comment is no read")]
    [InlineData("// Real time: a socket's timeout runs on the wall clock.\n        cts.CancelAfter(_timeout);")]
    [InlineData("// Real time: a socket's timeout runs on the wall clock, and this comment\n        // goes on for a second line.\n        cts.CancelAfter(_timeout);")]
    public void Scan_AnInjectedClockOrAMarkedLine_IsNotFound(string code)
    {
        Assert.Empty(Scan("class C\n{\n    void M()\n    {\n        " + code + "\n    }\n}\n"));
    }

    /// <summary>The lines (1-based) of <paramref name="text"/> that read or wait on the system clock, and what they use.</summary>
    internal static List<(int Line, string What)> Scan(string text)
    {
        var lines = text.Split('\n');
        var found = new List<(int, string)>();
        void Add(int index, string what)
        {
            var line = text.AsSpan(0, index).Count('\n');
            if (IsComment(lines[line]) || Marked(lines, line)) return;
            found.Add((line + 1, what));
        }
        foreach (Match m in Plain().Matches(text))
            Add(m.Index, m.Groups["what"].Value switch
            {
                var w when w.StartsWith("Stopwatch", StringComparison.Ordinal) || w.EndsWith(".Stopwatch", StringComparison.Ordinal) => "Stopwatch",
                var w when w.StartsWith("Environment.TickCount", StringComparison.Ordinal) => "Environment.TickCount",
                var w when w.Contains("Timer", StringComparison.Ordinal) => "Timer",
                var w => w.TrimStart('.'),
            });
        // Waits that are fine with a TimeProvider among their arguments.
        foreach (Match m in NeedsClock().Matches(text))
        {
            var args = Arguments(text, m.Index + m.Length - 1);
            if (args.Trim().Length > 0 && !ClockArgument().IsMatch(args))
                Add(m.Index, Regex.Replace(m.Groups["what"].Value, @"^new\s+", "") + " without a clock");
        }
        // A task's or a semaphore's wait with a timeout (not one of 0, which does not wait) runs on the system clock.
        foreach (Match m in TimedWait().Matches(text))
        {
            var args = Arguments(text, m.Index + m.Length - 1);
            if (TimeoutArgument().IsMatch(args) && !ClockArgument().IsMatch(args))
                Add(m.Index, m.Groups["what"].Value.TrimStart('.') + " without a clock");
        }
        return found;
    }

    private static bool IsComment(string line) => line.TrimStart().StartsWith("//", StringComparison.Ordinal);

    /// <summary>The line, or the comment lines just above it, carry the <c>Real time:</c> why-comment.</summary>
    private static bool Marked(string[] lines, int line)
    {
        if (lines[line].Contains(Marker, StringComparison.Ordinal)) return true;
        for (var i = line - 1; i >= 0 && IsComment(lines[i]); i--)
            if (lines[i].Contains(Marker, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>The text between the parenthesis at <paramref name="open"/> and its match.</summary>
    private static string Arguments(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')' && --depth == 0) return text[(open + 1)..i];
        }
        return text[(open + 1)..];
    }

    [GeneratedRegex(@"(?<what>\bTimeProvider\.System\b|\bDateTime(Offset)?\.(UtcNow|Now|Today)\b|(\bSystem\.Diagnostics\.)?\bStopwatch\b|\bThread\.Sleep\b|\bEnvironment\.TickCount(64)?\b|\.CancelAfter\b|\bnew\s+(System\.Threading\.)?Timer\s*\()")]
    private static partial Regex Plain();

    [GeneratedRegex(@"(?<what>\bTask\.Delay|\bnew\s+PeriodicTimer|\bnew\s+CancellationTokenSource)\s*\(")]
    private static partial Regex NeedsClock();

    [GeneratedRegex(@"(?<what>\.Wait(Async)?)\s*\(")]
    private static partial Regex TimedWait();

    /// <summary>A timeout argument: a <c>TimeSpan</c>, a timeout variable or constant, or a number of milliseconds other than 0.</summary>
    [GeneratedRegex(@"TimeSpan|[Tt]imeout|^\s*[1-9]")]
    private static partial Regex TimeoutArgument();

    /// <summary>An argument naming a clock: <c>clock</c>, <c>_clock</c>, <c>options.Clock</c>, a <c>TimeProvider</c>.</summary>
    [GeneratedRegex(@"(?i)clock|timeprovider")]
    private static partial Regex ClockArgument();
}
