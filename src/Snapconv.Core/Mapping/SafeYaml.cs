using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Snapconv.Core.Mapping;

/// <summary>
/// Loads the YAML of mapping and job files within bounds (#16): the text is checked event by event before a document is
/// built, because YamlDotNet hashes mapping keys by their whole content, so keys that are nested aliases
/// (<c>? *a10 : em</c>) cost time exponential in their depth.
/// </summary>
/// <remarks>
/// Refused: a file over <see cref="MaxFileBytes"/>; an alias, object or list as a key; a value over
/// <see cref="MaxScalarLength"/> characters; more than <see cref="MaxNodes"/> values once aliases are expanded.
/// </remarks>
public static partial class SafeYaml
{
    /// <summary>The largest mapping or job file read: 16 MiB.</summary>
    public const int MaxFileBytes = 16 << 20;

    /// <summary>The longest single value: 1 Mi characters.</summary>
    public const int MaxScalarLength = 1 << 20;

    /// <summary>The most values (scalars, objects, lists) a file may hold with every alias expanded: 100,000.</summary>
    public const int MaxNodes = 100_000;

    /// <summary>The most characters of a value an error message quotes.</summary>
    public const int MaxQuoted = 80;

    /// <summary>Checks <paramref name="text"/> and loads it.</summary>
    /// <returns>The documents, or null with <paramref name="problem"/> saying why (line number, no more than
    /// <see cref="MaxQuoted"/> characters of any value).</returns>
    public static YamlStream? TryLoad(string text, out string? problem)
    {
        problem = text.Length > MaxFileBytes
            ? $"the file is longer than {MaxFileBytes >> 20} MiB (the limit for a mapping or job file)"
            : Check(text);
        if (problem is not null) return null;
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            problem = Clip($"not valid YAML or JSON at line {e.Start.Line}: {e.Message}");
            return null;
        }
        return stream;
    }

    /// <summary>Shortens every quoted value in an error line to <see cref="MaxQuoted"/> characters, and the line to 400.</summary>
    public static string Clip(string message)
    {
        var clipped = QuotedRegex().Replace(message, m => "'" + m.Groups[1].Value[..MaxQuoted] + "…'");
        return clipped.Length <= 400 ? clipped : clipped[..400] + "…";
    }

    private sealed class Frame(bool mapping, string? anchor)
    {
        public bool Mapping { get; } = mapping;
        public string? Anchor { get; } = anchor;
        public bool ExpectKey { get; set; } = mapping;
        public long Size { get; set; }
    }

    private static string? Check(string text)
    {
        var parser = new Parser(new StringReader(text));
        var frames = new Stack<Frame>();
        var anchors = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                var line = current.Start.Line.ToString(CultureInfo.InvariantCulture);
                var atKey = frames.TryPeek(out var top) && top.Mapping && top.ExpectKey;
                long size;
                switch (current)
                {
                    case Scalar scalar:
                        if (scalar.Value.Length > MaxScalarLength)
                            return $"line {line}: a value is longer than {MaxScalarLength >> 20} Mi characters (the limit)";
                        size = 1;
                        total++;
                        if (!scalar.Anchor.IsEmpty) anchors[scalar.Anchor.Value] = size;
                        break;
                    case AnchorAlias alias:
                        if (atKey) return Clip($"line {line}: an alias ('*{alias.Value.Value}') cannot be a key; write the key out");
                        size = anchors.GetValueOrDefault(alias.Value.Value, 1);
                        total += size;
                        break;
                    case MappingStart or SequenceStart:
                        if (atKey) return $"line {line}: a key must be plain text, not an object or a list";
                        var anchor = current is MappingStart m ? m.Anchor : ((SequenceStart)current).Anchor;
                        frames.Push(new Frame(current is MappingStart, anchor.IsEmpty ? null : anchor.Value));
                        total++;
                        continue;
                    case MappingEnd or SequenceEnd:
                        var done = frames.Pop();
                        size = done.Size + 1;
                        if (done.Anchor is not null) anchors[done.Anchor] = size;
                        break;
                    default:
                        continue;
                }

                if (frames.TryPeek(out var parent))
                {
                    parent.Size += size;
                    if (parent.Mapping) parent.ExpectKey = !parent.ExpectKey;
                }

                // Every value counts once per place it appears: an alias counts as the whole value it repeats.
                if (total > MaxNodes)
                    return $"line {line}: the file holds more than {MaxNodes:N0} values once its aliases are expanded (the limit)";
            }
        }
        catch (YamlException e)
        {
            return Clip($"not valid YAML or JSON at line {e.Start.Line}: {e.Message}");
        }
        return null;
    }

    [GeneratedRegex("'([^']{81,})'")]
    private static partial Regex QuotedRegex();
}
