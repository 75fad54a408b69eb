namespace Snapconv.Core.Mapping;

/// <summary>
/// A mapping file (JSON or YAML): which column fills which CAPI field, constants, and per-column
/// options. Unmentioned columns are auto-detected by name unless <see cref="AutoDetect"/> is false.
/// </summary>
public sealed record MappingSpec
{
    /// <summary>Column rules in file order. Several columns may fill one array key (em, ph …; up to 10 values).</summary>
    public IReadOnlyList<ColumnRule> Columns { get; init; } = [];
    /// <summary>Values used for every row, e.g. event_name PURCHASE, currency USD. A mapped column wins when it has a value.</summary>
    public IReadOnlyDictionary<TargetField, string> Constants { get; init; } = new Dictionary<TargetField, string>();
    /// <summary>IANA zone for naive event times (overrides --timezone).</summary>
    public string? Timezone { get; init; }
    /// <summary>ISO alpha-2 for national phone numbers (overrides --default-country).</summary>
    public string? DefaultCountry { get; init; }
    /// <summary>.NET format of day/month-ordered dates of birth, e.g. <c>dd/MM/yyyy</c>.</summary>
    public string? DobFormat { get; init; }
    /// <summary>Decimal mark of text amounts. Default '.'.</summary>
    public char DecimalSeparator { get; init; } = '.';
    /// <summary>Map remaining columns with common names automatically. Default true.</summary>
    public bool AutoDetect { get; init; } = true;
    /// <summary>Fold accents in city names (zürich → zurich). Default false.</summary>
    public bool FoldCityAccents { get; init; }
    /// <summary>
    /// Culture of numbers and dates in text cells (<c>en-US</c>, <c>en-GB</c>, <c>de-DE</c>); <c>--locale</c> overrides.
    /// Default none: plain <c>.</c>-decimal amounts and ISO dates; anything ambiguous stops the run.
    /// </summary>
    public string? Locale { get; init; }
    /// <summary>Row filter: a row is a conversion only when every rule holds; other rows are counted as filtered. Default: none.</summary>
    public IReadOnlyList<FilterRule> Filter { get; init; } = [];
    /// <summary>Extra files (contacts) joined to each row by key; their identifiers go into the event. Default: none.</summary>
    public IReadOnlyList<JoinSpec> Joins { get; init; } = [];
    /// <summary>What a preset says about itself (system, files, won rule, recognition). Ignored when binding.</summary>
    public PresetInfo? Preset { get; init; }

    /// <summary>Run-time: the preset this mapping came from (set by the catalogue, shown in the report). Not a file key.</summary>
    public string? PresetName { get; init; }
    /// <summary>Run-time: the joined files' key indexes (built from <c>--contacts</c>). Not a file key.</summary>
    public JoinSet? JoinData { get; init; }
    /// <summary>Run-time: the workbook sheet to read (<c>--sheet</c>). Default: the first.</summary>
    public string? Sheet { get; init; }

    /// <summary>Run-time: the most bytes a compressed input may decompress to (<c>--max-decompressed-size</c>). Default: null, 50 GiB.</summary>
    public long? MaxDecompressedBytes { get; init; }

    public static readonly MappingSpec Empty = new();

    /// <summary>How readers should open inputs for this mapping (sheet, number culture, decompression limit).</summary>
    public Formats.RecordReaderOptions ReaderOptions =>
        Sheet is null && Locale is null && MaxDecompressedBytes is null
            ? Formats.RecordReaderOptions.Default
            : new()
            {
                Sheet = Sheet,
                Culture = Locale,
                MaxDecompressedBytes = MaxDecompressedBytes ?? Formats.RecordReaderOptions.DefaultMaxDecompressedBytes,
            };
}

/// <summary>One column's rule in a mapping file.</summary>
public sealed record ColumnRule(string Column, TargetField Field)
{
    /// <summary>The column holds SHA-256 hex already; anything else is dropped as invalid.</summary>
    public bool AlreadyHashed { get; init; }
    /// <summary>external_id: keep case.</summary>
    public bool PreserveCase { get; init; }
    /// <summary>event_time or db: a .NET custom date format, e.g. <c>dd/MM/yyyy HH:mm</c>.</summary>
    public string? Format { get; init; }
    /// <summary>The column may be missing from a file (exports that differ by edition or settings). Default false: missing is an error.</summary>
    public bool Optional { get; init; }
    /// <summary>Split the cell into several values on <c>;</c> and <c>,</c> (each up to 10 per key). Default false.</summary>
    public bool Split { get; init; }
    /// <summary>Pull a value out of decorated text: <c>email</c> takes <c>x@y.z</c> out of <c>Name (x@y.z)</c> or <c>Name &lt;x@y.z&gt;</c>, and implies <see cref="Split"/>.</summary>
    public ExtractKind Extract { get; init; }
}

/// <summary>What <see cref="ColumnRule.Extract"/> takes out of a cell.</summary>
public enum ExtractKind { None, Email }

/// <summary>One condition of a filter rule: the column's trimmed value equals one of <see cref="Values"/> (case-insensitive), or none of them with <see cref="Negate"/>.</summary>
public sealed record FilterCondition(string Column, IReadOnlyList<string> Values, bool Negate = false);

/// <summary>
/// A filter rule: holds when any of its conditions holds. A condition whose column the file lacks is left out;
/// a rule none of whose columns the file has is an error, unless <see cref="Optional"/>.
/// </summary>
public sealed record FilterRule(string Name, IReadOnlyList<FilterCondition> Any)
{
    public bool Optional { get; init; }
}

/// <summary>
/// A join of an extra file (e.g. contacts) to the main file. Each main row's <see cref="Keys"/> cells (several values split on
/// <c>;</c>/<c>,</c>) are looked up in the extra file's <see cref="On"/> column; every matched row's <see cref="Columns"/> fill the event.
/// A key may be <c>other_join.Column</c>: the values of that column in the rows an earlier join matched.
/// </summary>
public sealed record JoinSpec(string Name, IReadOnlyList<string> Keys, string On)
{
    /// <summary>Headers an extra file must have to be this join's file (recognition of <c>--contacts</c> files). Default: <see cref="On"/> and the columns.</summary>
    public IReadOnlyList<string> Headers { get; init; } = [];
    /// <summary>Columns of the extra file: identifier fields, or <c>ignore</c> for columns only a later join reads.</summary>
    public IReadOnlyList<ColumnRule> Columns { get; init; } = [];
    /// <summary>What the user exports to get this file, for messages.</summary>
    public string? Description { get; init; }

    public IEnumerable<string> RequiredHeaders => Headers.Count > 0 ? Headers : Columns.Where(c => !c.Optional).Select(c => c.Column).Prepend(On);
}

/// <summary>A preset's description of itself (the <c>preset:</c> key of a mapping file).</summary>
public sealed record PresetInfo
{
    public string Name { get; init; } = "";
    public string System { get; init; } = "";
    /// <summary>The files it reads, in words.</summary>
    public string Files { get; init; } = "";
    /// <summary>Which rows are conversions, in words.</summary>
    public string Won { get; init; } = "";
    /// <summary>False when the export format is built from indirect evidence (docs say what would confirm it).</summary>
    public bool Verified { get; init; }
    /// <summary>Recognition: a file matches when it has every header (case and punctuation ignored) of one of these sets.</summary>
    public IReadOnlyList<IReadOnlyList<string>> RecognizeAlternatives { get; init; } = [];
    /// <summary>Recognition: a file-name pattern (<c>*</c> wildcard) that breaks a tie between presets whose headers both match.</summary>
    public string? FileName { get; init; }
}
