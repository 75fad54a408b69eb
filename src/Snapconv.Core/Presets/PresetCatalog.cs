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
    private static readonly Lazy<IReadOnlyList<Preset>> Loaded = new(Load);

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
        var matches = All.Where(p => p.Info.RecognizeAlternatives.Any(set => set.All(h => keys.Contains(HeaderAutoDetect.Key(h))))).ToList();
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

    private static IReadOnlyList<Preset> Load()
    {
        var assembly = typeof(PresetCatalog).Assembly;
        var presets = new List<Preset>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            var yaml = reader.ReadToEnd();
            var name = resource[ResourcePrefix.Length..^".yaml".Length];
            var spec = MappingFileLoader.Parse(yaml, "preset " + name, embedded: true);
            var info = spec.Preset ?? throw new InvalidOperationException($"preset {name} has no 'preset:' section");
            if (info.Name != name) throw new InvalidOperationException($"preset {name} names itself '{info.Name}'");
            presets.Add(new Preset(name, info, spec with { PresetName = name }, yaml));
        }
        return presets;
    }
}
