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

    public static readonly MappingSpec Empty = new();
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
}
