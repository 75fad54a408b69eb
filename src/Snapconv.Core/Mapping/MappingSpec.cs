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
    /// <summary>
    /// Text encoding of CSV/TSV inputs (mapping key <c>encoding</c>, e.g. <c>windows-1252</c>); <c>--encoding</c> overrides.
    /// Default none: detected per file (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252).
    /// </summary>
    public Formats.TextEncoding? Encoding { get; init; }
    /// <summary>Row filter: a row is a conversion only when every rule holds; other rows are counted as filtered. Default: none.</summary>
    public IReadOnlyList<FilterRule> Filter { get; init; } = [];
    /// <summary>Extra files (contacts) joined to each row by key; their identifiers go into the event. Default: none.</summary>
    public IReadOnlyList<JoinSpec> Joins { get; init; } = [];
    /// <summary>What a preset says about itself (system, files, won rule, recognition). Ignored when binding.</summary>
    public PresetInfo? Preset { get; init; }
    /// <summary>
    /// <c>group_by: COLUMN</c>: consecutive rows with the same non-blank value in this column are one event (an order's
    /// line items): the first row's fields, every row's <c>content_ids</c> columns, and the sum of their <c>num_items</c>
    /// columns. The other rows are counted as folded. Default: none (a row is an event).
    /// </summary>
    public string? GroupBy { get; init; }
    /// <summary>The switches the mapping declares (<c>options:</c>), set with <c>--preset-option NAME=VALUE</c>. Default: none.</summary>
    public IReadOnlyList<MappingOption> Options { get; init; } = [];
    /// <summary>
    /// <c>requires_currency: true</c>: the export carries no currency, so a run needs <c>--currency</c> (a currency
    /// constant) and stops before reading rows without one. Default false.
    /// </summary>
    public bool RequiresCurrency { get; init; }

    /// <summary>The export carries no currency (<see cref="RequiresCurrency"/>) and none was given: the run must not start.</summary>
    public bool LacksRequiredCurrency => RequiresCurrency && !Constants.ContainsKey(TargetField.Currency);

    /// <summary>Run-time: the options' values in force (declared defaults overridden by <see cref="WithOptions"/>). Not a file key.</summary>
    public IReadOnlyDictionary<string, bool> OptionValues { get; init; } = new Dictionary<string, bool>();

    /// <summary>Run-time: the preset this mapping came from (set by the catalogue, shown in the report). Not a file key.</summary>
    public string? PresetName { get; init; }
    /// <summary>Run-time: the joined files' key indexes (built from <c>--contacts</c>). Not a file key.</summary>
    public JoinSet? JoinData { get; init; }
    /// <summary>Run-time: the workbook sheet to read (<c>--sheet</c>). Default: the first.</summary>
    public string? Sheet { get; init; }

    /// <summary>Run-time: the most bytes a compressed input may decompress to (<c>--max-decompressed-size</c>). Default: null, 50 GiB.</summary>
    public long? MaxDecompressedBytes { get; init; }

    public static readonly MappingSpec Empty = new();

    /// <summary>The value of switch <paramref name="name"/>: set, else its declared default, else false.</summary>
    public bool Option(string name) =>
        OptionValues.TryGetValue(name, out var v) ? v : Options.FirstOrDefault(o => o.Name == name)?.Default ?? false;

    /// <summary>
    /// The mapping with <paramref name="values"/> (NAME → text) set. Throws <see cref="ArgumentException"/> with a message
    /// naming an option the mapping does not declare, or a value that is not true/false.
    /// </summary>
    public MappingSpec WithOptions(IEnumerable<KeyValuePair<string, string>> values)
    {
        var set = new Dictionary<string, bool>(OptionValues, StringComparer.Ordinal);
        foreach (var (rawName, rawValue) in values)
        {
            var name = rawName.Trim();
            var declared = Options.FirstOrDefault(o => string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase));
            if (declared is null)
                throw new ArgumentException(Options.Count == 0
                    ? $"option '{name}': {(PresetName is null ? "the mapping" : "preset " + PresetName)} has no options"
                    : $"option '{name}' is not an option of {(PresetName is null ? "the mapping" : "preset " + PresetName)}; its options: {string.Join(", ", Options.Select(o => o.Name))}");
            set[declared.Name] = rawValue.Trim().ToLowerInvariant() switch
            {
                "true" or "yes" or "on" or "1" => true,
                "false" or "no" or "off" or "0" => false,
                _ => throw new ArgumentException($"option '{declared.Name}': '{rawValue}' is not true or false"),
            };
        }
        return this with { OptionValues = set };
    }

    /// <summary>How readers should open inputs for this mapping (sheet, number culture, text encoding, decompression limit).</summary>
    public Formats.RecordReaderOptions ReaderOptions =>
        Sheet is null && Locale is null && Encoding is null && MaxDecompressedBytes is null
            ? Formats.RecordReaderOptions.Default
            : new()
            {
                Sheet = Sheet,
                Culture = Locale,
                Encoding = Encoding,
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
    /// <summary>When this column's cell is blank (or the file lacks it), read this other column instead. Default: none.</summary>
    public string? Fallback { get; init; }
    /// <summary>value: the cell is an amount as a till writes it (<c>$4,300.00</c>, <c>-$350.00</c>, <c>($100.00)</c>, <c>US$16.00</c>, <c>€1.234,50</c>). Default false.</summary>
    public bool Money { get; init; }
    /// <summary>value: subtract this column's amount (refunded); a row with nothing left is filtered as <c>refunded in full</c>. Default: none.</summary>
    public string? Less { get; init; }
    /// <summary>event_time: the column holding the time of day when this one holds only the date (Square). Default: none.</summary>
    public string? TimeColumn { get; init; }
    /// <summary>event_time: the column naming the time zone (IANA, Windows or Rails names such as <c>Eastern Time (US &amp; Canada)</c>). Default: none.</summary>
    public string? ZoneColumn { get; init; }
    /// <summary>Pull a value out of decorated text: <c>email</c> takes <c>x@y.z</c> out of <c>Name (x@y.z)</c> or <c>Name &lt;x@y.z&gt;</c>, and implies <see cref="Split"/>.</summary>
    public ExtractKind Extract { get; init; }
}

/// <summary>What <see cref="ColumnRule.Extract"/> takes out of a cell.</summary>
/// <remarks><c>contacts</c> (on an em column): each part holding an <c>@</c> is an e-mail, the rest of the cell a phone (Loyverse's "Customer contacts").</remarks>
public enum ExtractKind { None, Email, Contacts }

/// <summary>One condition of a filter rule: the column's trimmed value equals one of <see cref="Values"/> (case-insensitive), or none of them with <see cref="Negate"/>.</summary>
public sealed record FilterCondition(string Column, IReadOnlyList<string> Values, bool Negate = false);

/// <summary>
/// A filter rule: holds when any of its conditions holds. A condition whose column the file lacks is left out;
/// a rule none of whose columns the file has is an error, unless <see cref="Optional"/>.
/// </summary>
public sealed record FilterRule(string Name, IReadOnlyList<FilterCondition> Any)
{
    public bool Optional { get; init; }
    /// <summary>The rule applies only while this switch (<see cref="MappingSpec.Options"/>) is off. Default: none.</summary>
    public string? Unless { get; init; }
    /// <summary>The rule applies only while this switch is on. Default: none.</summary>
    public string? When { get; init; }
}

/// <summary>A switch a mapping declares (<c>options: {NAME: {default: false, description: …}}</c>).</summary>
public sealed record MappingOption(string Name, bool Default, string Description);

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
