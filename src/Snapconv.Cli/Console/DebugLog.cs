using System.Globalization;

namespace Snapconv.Cli.Console;

/// <summary>
/// The opt-in debug log (#16): the full details of an unexpected failure (type, message, stack trace), which never go to
/// the terminal. On with <c>--debug</c> (file <see cref="DefaultPath"/> in the current folder) or with the environment
/// variable <c>SNAPCONV_DEBUG_LOG=FILE</c>; off by default. The file is created readable by its owner only: an
/// exception's message can quote input data.
/// </summary>
internal static class DebugLog
{
    /// <summary>The log <c>--debug</c> writes when <c>SNAPCONV_DEBUG_LOG</c> names no other file.</summary>
    public const string DefaultPath = "snapconv-debug.log";
    /// <summary>Environment variable naming the log file; set, it turns the log on.</summary>
    public const string PathVariable = "SNAPCONV_DEBUG_LOG";

    /// <summary>The log's path, or null when it is off.</summary>
    public static string? Resolve(bool flag, Func<string, string?> env)
    {
        var path = env(PathVariable);
        if (!string.IsNullOrWhiteSpace(path)) return path;
        // SNAPCONV_DEBUG=1 was the switch before --debug; it now writes the log instead of printing the trace.
        return flag || env("SNAPCONV_DEBUG") == "1" ? DefaultPath : null;
    }

    /// <summary>Appends the failure; returns false when the log could not be written (the caller says so).</summary>
    public static bool TryWrite(string path, string command, Exception e, TimeProvider clock)
    {
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var w = new StreamWriter(path, options);
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.GetUtcNow():O} {command}: unexpected failure"));
            w.WriteLine(e.ToString());
            w.WriteLine();
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
