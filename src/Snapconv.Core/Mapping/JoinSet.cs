using Snapconv.Core.Formats;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Mapping;

/// <summary>
/// The extra files of a mapping's joins (contacts, contact roles), each loaded once into a key index. Memory is the
/// index: per extra row, its key and the cells of the join's columns (nothing else of the file is kept).
/// </summary>
public sealed class JoinSet
{
    private readonly JoinTable?[] _tables;

    private JoinSet(JoinTable?[] tables) => _tables = tables;

    /// <summary>The table of join <paramref name="index"/> (in <see cref="MappingSpec.Joins"/> order); null when no file was given for it.</summary>
    public JoinTable? this[int index] => (uint)index < (uint)_tables.Length ? _tables[index] : null;

    /// <summary>Which join each file was recognised as: (file, join name).</summary>
    public IReadOnlyList<(string File, string Join)> Files { get; private init; } = [];

    /// <summary>
    /// Reads <paramref name="files"/>, recognising each by its headers as the file of one of <paramref name="spec"/>'s joins
    /// (every header of <see cref="JoinSpec.RequiredHeaders"/>). Several files of one join are indexed together.
    /// </summary>
    /// <remarks>
    /// Identifier columns are normalized and hashed once per contact, on its first join (see <see cref="JoinTable"/>): pass the run's
    /// <paramref name="defaultCountry"/> (<see cref="Pipeline.ConversionOptions.DefaultCountry"/>; the mapping's own
    /// <see cref="MappingSpec.DefaultCountry"/> wins, as in the run), which national phone numbers are read in.
    /// </remarks>
    /// <exception cref="InputException">A file matches no join, or more than one, or cannot be read.</exception>
    public static JoinSet Load(MappingSpec spec, IReadOnlyList<string> files, RecordReaderOptions? readerOptions = null, string? defaultCountry = null)
    {
        var tables = new JoinTable?[spec.Joins.Count];
        var seen = new List<(string, string)>();
        // The contacts' phones are normalized by the run's first workers: their metadata loads on the second core while
        // this thread parses (the run's own warm-up only looks at the main file's columns).
        if (spec.Joins.Any(j => j.Columns.Any(c => TargetFields.ToIdentifier(c.Field) == IdentifierKind.Ph)) && files.Count > 0)
            PhoneNormalizer.WarmUpInBackground();
        foreach (var file in files)
        {
            using var reader = RecordReaders.Open(file, readerOptions);
            var matches = new List<int>();
            for (var j = 0; j < spec.Joins.Count; j++)
                if (spec.Joins[j].RequiredHeaders.All(h => BoundMapping.FindColumn(reader.Headers, h) >= 0)) matches.Add(j);
            if (matches.Count == 0)
            {
                var expected = spec.Joins.Count == 0 ? "this mapping joins no file"
                    : "expected the headers of " + string.Join("; or ", spec.Joins.Select(j => $"{j.Description ?? j.Name} ({string.Join(", ", j.RequiredHeaders)})"));
                throw new InputException(file, "not a file this mapping joins: " + expected);
            }
            if (matches.Count > 1)
                throw new InputException(file, $"the headers fit joins {string.Join(" and ", matches.Select(m => "'" + spec.Joins[m].Name + "'"))}; cannot tell which file this is");
            var index = matches[0];
            (tables[index] ??= new JoinTable(spec.Joins[index], Plan(spec, index, defaultCountry))).Add(reader);
            seen.Add((file, spec.Joins[index].Name));
        }
        return new JoinSet(tables) { Files = seen };
    }

    /// <summary>
    /// How each column of join <paramref name="index"/> is kept: the normalize context of an identifier column normalized by
    /// the index, or null for a column kept as read — not an identifier; read as a key by a later join; a date of birth (its
    /// rule reads the clock); a phone, state or zip when the main file may carry a country column (the row's country then
    /// decides how they read).
    /// </summary>
    private static NormalizeContext?[] Plan(MappingSpec spec, int index, string? defaultCountry)
    {
        var join = spec.Joins[index];
        var rowCountryPossible = spec.AutoDetect || spec.Columns.Any(c => TargetFields.ToIdentifier(c.Field) == IdentifierKind.Country);
        var plan = new NormalizeContext?[join.Columns.Count];
        for (var i = 0; i < plan.Length; i++)
        {
            var c = join.Columns[i];
            if (TargetFields.ToIdentifier(c.Field) is not { } kind || kind == IdentifierKind.Db) continue;
            if (rowCountryPossible && kind is IdentifierKind.Ph or IdentifierKind.St or IdentifierKind.Zp) continue;
            if (IsKeyOfLaterJoin(spec, index, c.Column)) continue;
            plan[i] = new NormalizeContext
            {
                DefaultCountry = spec.DefaultCountry ?? defaultCountry,
                PreserveCase = c.PreserveCase,
                AlreadyHashed = c.AlreadyHashed,
                FoldCityAccents = spec.FoldCityAccents,
            };
        }
        return plan;
    }

    /// <summary>A later join reads <c>join.column</c> as its key (as <see cref="BoundMapping"/> binds such keys).</summary>
    private static bool IsKeyOfLaterJoin(MappingSpec spec, int index, string column)
    {
        for (var k = index + 1; k < spec.Joins.Count; k++)
            foreach (var key in spec.Joins[k].Keys)
            {
                var dot = key.IndexOf('.');
                if (dot > 0 && key[..dot] == spec.Joins[index].Name && HeaderAutoDetect.Key(key[(dot + 1)..]) == HeaderAutoDetect.Key(column)) return true;
            }
        return false;
    }
}
