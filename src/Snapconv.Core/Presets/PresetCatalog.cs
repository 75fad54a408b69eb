using System.Reflection;
using Snapconv.Core.Mapping;

namespace Snapconv.Core.Presets;

/// <summary>A mapping file shipped inside the tool for one CRM's export.</summary>
/// <param name="Name">The preset's name (<c>--preset NAME</c>).</param>
/// <param name="Info">What the preset says about itself.</param>
/// <param name="Spec">The mapping, with <see cref="MappingSpec.PresetName"/> set.</param>
/// <param name="Yaml">The mapping file's text, as <c>snapconv presets show</c> prints it.</param>
public sealed record Preset(string Name, PresetInfo Info, MappingSpec Spec, string Yaml);

/// <summary>What recognising a file's header found: no preset, one, or several (then none is used).</summary>
public sealed record PresetRecognition(IReadOnlyList<Preset> Matches)
{
    /// <summary>The one confident match, or null.</summary>
    public Preset? Single => Matches.Count == 1 ? Matches[0] : null;
}

/// <summary>
/// The presets shipped as embedded mapping files (<c>Presets/*.yaml</c>): listing, lookup by name, and recognition of a
/// file by its header and name.
/// </summary>
public static class PresetCatalog
{
    private const string ResourcePrefix = "snapconv.presets.";
    private static readonly Lazy<IReadOnlyList<(string Name, string Yaml)>> Texts = new(ReadTexts);
    private static readonly Lazy<IReadOnlyList<Preset>> Loaded = new(Load);
    // Each preset's recognition headers read from its text (null: a text the light reading does not cover).
    private static readonly Lazy<IReadOnlyList<IReadOnlyList<IReadOnlyList<string>>>?> RecognitionHeaders = new(ScanAll);

    /// <summary>Every preset, by name.</summary>
    public static IReadOnlyList<Preset> All => Loaded.Value;

    /// <summary>The preset called <paramref name="name"/> (case-insensitive).</summary>
    public static bool TryGet(string name, out Preset preset)
    {
        preset = All.FirstOrDefault(p => string.Equals(p.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))!;
        return preset is not null;
    }

    /// <summary>
    /// The presets whose recognition headers (one set of <see cref="PresetInfo.RecognizeAlternatives"/>, compared without
    /// case, spaces or punctuation) are all in <paramref name="headers"/>. When several match, a preset whose
    /// <see cref="PresetInfo.FileName"/> pattern fits <paramref name="fileName"/> is preferred if it is the only one;
    /// otherwise all matches are returned and none should be used.
    /// </summary>
    public static PresetRecognition Recognize(IReadOnlyList<string> headers, string fileName)
    {
        var keys = headers.Select(HeaderAutoDetect.Key).ToHashSet(StringComparer.Ordinal);
        // A header that fits no preset (most files) parses no preset: loading them all took ≈ 60-90 ms of a run's CPU.
        if (!Loaded.IsValueCreated && RecognitionHeaders.Value is { } light && !light.Any(alternatives => Fits(alternatives, keys)))
            return new PresetRecognition([]);
        var matches = All.Where(p => Fits(p.Info.RecognizeAlternatives, keys)).ToList();
        if (matches.Count > 1)
        {
            var byName = matches.Where(p => p.Info.FileName is { } pattern && NameMatches(pattern, Path.GetFileName(fileName))).ToList();
            if (byName.Count == 1) matches = byName;
        }
        return new PresetRecognition(matches);
    }

    private static bool NameMatches(string pattern, string name)
    {
        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(name, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase);
    }

    private static bool Fits(IReadOnlyList<IReadOnlyList<string>> alternatives, HashSet<string> keys) =>
        alternatives.Any(set => set.All(h => keys.Contains(HeaderAutoDetect.Key(h))));

    private static IReadOnlyList<(string Name, string Yaml)> ReadTexts()
    {
        var assembly = typeof(PresetCatalog).Assembly;
        var texts = new List<(string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            texts.Add((resource[ResourcePrefix.Length..^".yaml".Length], reader.ReadToEnd()));
        }
        return texts;
    }

    private static IReadOnlyList<IReadOnlyList<IReadOnlyList<string>>>? ScanAll()
    {
        var all = new List<IReadOnlyList<IReadOnlyList<string>>>();
        foreach (var (_, yaml) in Texts.Value)
        {
            if (ScanRecognize(yaml) is not { } alternatives) return null;
            all.Add(alternatives);
        }
        return all;
    }

    /// <summary>
    /// A preset's <c>recognize</c> header lists read from its text without a YAML parser, for recognition only. Reads the
    /// plain form the shipped presets use — <c>recognize:</c> two spaces into the top-level <c>preset:</c> block, then one
    /// <c>- [A, B, C]</c> line of plain names per alternative — and returns null for anything else (quotes, brackets or
    /// comments in a name, another layout), which loads the presets in full. A test holds it equal to the full parse.
    /// </summary>
    internal static IReadOnlyList<IReadOnlyList<string>>? ScanRecognize(string yaml)
    {
        var alternatives = new List<IReadOnlyList<string>>();
        bool inPreset = false, sawPreset = false, inRecognize = false;
        foreach (var line in yaml.AsSpan().EnumerateLines())
        {
            var content = line.TrimEnd();
            if (content.IsEmpty || content.TrimStart().StartsWith('#')) continue;
            var indent = line.Length - line.TrimStart(' ').Length;
            if (indent == 0)
            {
                if (inPreset) break;   // the preset block ended
                inPreset = content.SequenceEqual("preset:");
                sawPreset |= inPreset;
                continue;
            }
            if (!inPreset) continue;
            var item = content.TrimStart(' ');
            if (indent == 2)
            {
                if (inRecognize) inRecognize = false;
                if (item.StartsWith("recognize:"))
                {
                    if (!item.SequenceEqual("recognize:")) return null;
                    inRecognize = true;
                }
                continue;
            }
            if (!inRecognize) continue;
            if (!item.StartsWith("- [") || !item.EndsWith(']')) return null;
            var names = new List<string>();
            foreach (var part in item[3..^1].ToString().Split(','))
            {
                var name = part.Trim();
                if (name.Length == 0 || name.AsSpan().IndexOfAny("'\"[]{}#&*!|>%@`") >= 0 || name.EndsWith(':') || name.Contains(": ", StringComparison.Ordinal)
                    || name[0] is '-' or '?' or ':')
                    return null;
                names.Add(name);
            }
            alternatives.Add(names);
        }
        return sawPreset ? alternatives : null;
    }

    private static IReadOnlyList<Preset> Load()
    {
        var presets = new List<Preset>();
        foreach (var (name, yaml) in Texts.Value)
        {
            var spec = MappingFileLoader.Parse(yaml, "preset " + name, embedded: true);
            var info = spec.Preset ?? throw new InvalidOperationException($"preset {name} has no 'preset:' section");
            if (info.Name != name) throw new InvalidOperationException($"preset {name} names itself '{info.Name}'");
            presets.Add(new Preset(name, info, spec with { PresetName = name }, yaml));
        }
        return presets;
    }
}
