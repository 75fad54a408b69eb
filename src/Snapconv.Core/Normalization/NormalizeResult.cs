using Snapconv.Core.Capi;

namespace Snapconv.Core.Normalization;

public enum NormalizeStatus
{
    /// <summary>Nothing left after cleaning: the key is omitted silently.</summary>
    Empty,
    /// <summary><see cref="NormalizeResult.Value"/> is the normalized plain text (hash it if the key is hashed).</summary>
    Normalized,
    /// <summary><see cref="NormalizeResult.Value"/> is a lower-case SHA-256 hex digest to pass through.</summary>
    AlreadyHashed,
    /// <summary>The value fails its rule: dropped with <see cref="NormalizeResult.Warning"/>.</summary>
    Invalid,
}

/// <summary>The outcome of normalizing one identifier value.</summary>
public readonly record struct NormalizeResult(NormalizeStatus Status, string? Value, Reason? Warning)
{
    public static readonly NormalizeResult Empty = new(NormalizeStatus.Empty, null, null);
    public static NormalizeResult Ok(string value) => new(NormalizeStatus.Normalized, value, null);
    public static NormalizeResult Hashed(string hex) => new(NormalizeStatus.AlreadyHashed, hex, null);
    public static NormalizeResult Invalid(Reason warning) => new(NormalizeStatus.Invalid, null, warning);
}

/// <summary>Per-row and per-column settings a normalizer needs.</summary>
public sealed record NormalizeContext
{
    /// <summary>ISO alpha-2 (upper case) used for national phone numbers when the row has no country. Null: none.</summary>
    public string? DefaultCountry { get; init; }
    /// <summary>The row's own country as lower alpha-2 (already normalized), if the row has one.</summary>
    public string? RowCountry { get; init; }
    /// <summary>.NET date format for day/month-ordered dates of birth, e.g. <c>MM/dd/yyyy</c>.</summary>
    public string? DobFormat { get; init; }
    /// <summary>external_id only: keep case.</summary>
    public bool PreserveCase { get; init; }
    /// <summary>The column is marked already hashed: only 64-hex values are accepted.</summary>
    public bool AlreadyHashed { get; init; }
    /// <summary>ct only: fold accents (ü → u). Default false, as Snap's name rule keeps accents.</summary>
    public bool FoldCityAccents { get; init; }
    /// <summary>
    /// "Now" for the date-of-birth upper bound, from the run's clock. Null (the default) for a context that never
    /// normalizes a date of birth (a join index keeps db columns as read).
    /// </summary>
    public TimeProvider? Clock { get; init; }

    public static readonly NormalizeContext Default = new();
}
