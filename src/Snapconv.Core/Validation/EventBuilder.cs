using System.Globalization;
using Snapconv.Core.Capi;
using Snapconv.Core.Dedup;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Validation;

/// <summary>
/// Turns one mapped row into a CAPI event, or a rejection with Snap's reason. Checks run in the spec's
/// order (event_name, event_time, action_source, user_data, currency, value); the first failure is the
/// row's reason. Identifier problems are warnings while another em/ph/madid remains. Thread-safe: one
/// instance serves every worker of a file.
/// </summary>
public sealed class EventBuilder
{
    private static readonly Reason TooOldRejection = Reason.EventTimeTooOld with { IsWarning = false };
    public static readonly Reason InvalidNumItems = new("INVALID_NUM_ITEMS", "INVALID_NUM_ITEMS",
        "num_items is not a whole number; it was left out", IsWarning: true);

    private readonly string _source;
    private readonly ConversionOptions _options;
    private readonly EventTimeRules _timeRules;
    private readonly TimeZoneInfo _zone;
    private readonly char _decimalSeparator;
    private readonly IReadOnlyDictionary<TargetField, string> _constants;
    private readonly ColumnBinding[] _single;          // indexed by TargetField: the one column of a single-valued field
    private readonly (string? Value, string Field)[] _fallback;  // indexed by TargetField: the constant (or nothing) when that column is blank
    private readonly IdentifierColumn[] _identifiers;  // user_data columns, country first
    private readonly ColumnBinding[] _contentIds;
    private readonly CultureInfo? _culture;
    private readonly BoundFilterRule[] _filter;
    private readonly JoinColumns[] _joins;
    private readonly ThreadLocal<RepeatedValueCache?[]> _caches;  // per worker thread, per identifier column
    private readonly GroupFolder? _groups;                  // group_by: a group's rows folded into its first row's event
    private readonly string _matchKeyColumns;      // the row's em/ph/madid columns, joined with '|': a MISSING_USER_DATA's field
    private readonly string _joinMatchKeyColumns;  // the joins' em/ph/madid columns, likewise

    private sealed record IdentifierColumn(ColumnBinding Binding, IdentifierKind Kind, NormalizeContext Context)
    {
        /// <summary>full_name: this column reads the name's first word (fn) or last word (ln).</summary>
        public bool NamePart { get; init; }
    }

    /// <summary>A bound join with its table (null: no file given) and the contexts of its identifier columns.</summary>
    private sealed record JoinColumns(BoundJoin Join, JoinTable? Table, (int Index, IdentifierKind Kind, NormalizeContext Context, string Header)[] Identifiers)
    {
        /// <summary>The join's keys as an array: read per row, where a foreach over the list allocated an enumerator.</summary>
        public BoundJoinKey[] Keys { get; } = [.. Join.Keys];
        /// <summary>full_name columns (kept as read by the index): the first word is fn, the last ln, as in the main file.</summary>
        public (int Index, NormalizeContext Context, string Header)[] Names { get; init; } = [];
    }

    public EventBuilder(BoundMapping mapping, ConversionOptions options, string sourceName)
    {
        _source = sourceName;
        _options = options;
        _timeRules = new EventTimeRules(options.Clock);
        _constants = mapping.Constants;
        _decimalSeparator = options.Mapping.DecimalSeparator;
        _zone = options.TimeZone;
        if (options.Mapping.Timezone is { } tzName)
            _zone = TimeZones.TryFind(tzName, out var z) ? z
                : throw new Formats.InputException(sourceName, $"mapping timezone '{tzName}' is not an IANA time zone");

        _single = new ColumnBinding[Enum.GetValues<TargetField>().Length];
        var identifiers = new List<IdentifierColumn>();
        var contentIds = new List<ColumnBinding>();
        var defaultCountry = options.Mapping.DefaultCountry ?? options.DefaultCountry;
        foreach (var b in mapping.Bindings)
        {
            if (TargetFields.ToIdentifier(b.Field) is { } kind)
            {
                var ctx = new NormalizeContext
                {
                    DefaultCountry = defaultCountry,
                    DobFormat = b.Format ?? options.Mapping.DobFormat,
                    PreserveCase = b.PreserveCase,
                    AlreadyHashed = b.AlreadyHashed,
                    FoldCityAccents = options.Mapping.FoldCityAccents,
                    Clock = options.Clock,
                };
                identifiers.Add(new IdentifierColumn(b, kind, ctx));
            }
            else if (b.Field == TargetField.FullName)
            {
                // "Ann Marie Lee": fn ann, ln lee (a one-word name gives fn only).
                var ctx = new NormalizeContext { DefaultCountry = defaultCountry, FoldCityAccents = options.Mapping.FoldCityAccents, Clock = options.Clock };
                identifiers.Add(new IdentifierColumn(b, IdentifierKind.Fn, ctx) { NamePart = true });
                identifiers.Add(new IdentifierColumn(b, IdentifierKind.Ln, ctx) { NamePart = true });
            }
            else if (b.Field == TargetField.ContentIds) contentIds.Add(b);
            else _single[(int)b.Field] ??= b;
        }
        _culture = options.Mapping.Locale is { } loc && TextValues.TryGetCulture(loc, out var culture) ? culture : null;
        _filter = mapping.Filter.ToArray();
        _joins = mapping.Joins.Select(j => new JoinColumns(j, options.Mapping.JoinData?[j.JoinIndex],
            j.Spec.Columns.Select((c, i) => (i, c))
                .Where(x => TargetFields.ToIdentifier(x.c.Field) is not null)
                .Select(x => (x.i, TargetFields.ToIdentifier(x.c.Field)!.Value, new NormalizeContext
                {
                    DefaultCountry = defaultCountry,
                    DobFormat = x.c.Format ?? options.Mapping.DobFormat,
                    PreserveCase = x.c.PreserveCase,
                    AlreadyHashed = x.c.AlreadyHashed,
                    FoldCityAccents = options.Mapping.FoldCityAccents,
                    Clock = options.Clock,
                }, j.Spec.Name + "." + x.c.Column)).ToArray())
        {
            Names = j.Spec.Columns.Select((c, i) => (i, c)).Where(x => x.c.Field == TargetField.FullName)
                .Select(x => (x.i, new NormalizeContext { DefaultCountry = defaultCountry, FoldCityAccents = options.Mapping.FoldCityAccents, Clock = options.Clock },
                    j.Spec.Name + "." + x.c.Column)).ToArray(),
        }).ToArray();
        foreach (var join in _joins) CheckJoinNormalized(join, identifiers.Any(i => i.Kind == IdentifierKind.Country));
        // The row's country decides how phones, states and zips are read, so it is normalized first.
        identifiers.Sort((a, b) => (a.Kind == IdentifierKind.Country ? 0 : 1).CompareTo(b.Kind == IdentifierKind.Country ? 0 : 1));
        _identifiers = identifiers.ToArray();
        if (_identifiers.Any(i => i.Kind == IdentifierKind.Ph)) PhoneNormalizer.WarmUpInBackground();
        // What a single-valued field reads when its column is absent or blank: the mapping's constant, cleaned once.
        _fallback = Enum.GetValues<TargetField>().Select(f =>
            _constants.TryGetValue(f, out var c) && TextCleaner.Clean(c) is { Length: > 0 } constant
                ? (constant, TargetFields.Name(f))
                : ((string?)null, _single[(int)f]?.Header ?? TargetFields.Name(f))).ToArray();
        var cacheable = _identifiers.Select(i => !i.Binding.Split && RepeatedValueCache.Suits(i.Kind)).ToArray();
        _caches = new ThreadLocal<RepeatedValueCache?[]>(() => cacheable.Select(ok => ok ? new RepeatedValueCache() : null).ToArray());
        _contentIds = contentIds.ToArray();
        if (mapping.GroupByOrdinal >= 0) _groups = new GroupFolder(mapping.GroupByOrdinal, mapping.Bindings);
        // A column's fallback (shipping after billing) is named too: it was read when the column was blank.
        _matchKeyColumns = MatchKeyColumns(_identifiers.SelectMany(i => i.Binding.FallbackHeader is { } fb
            ? new[] { (i.Kind, i.Binding.Header), (i.Kind, fb) } : [(i.Kind, i.Binding.Header)]));
        _joinMatchKeyColumns = MatchKeyColumns(_joins.SelectMany(j => j.Identifiers.Select(x => (x.Kind, x.Header))));
    }

    /// <summary>The distinct headers of the match-key (em, ph, madid) columns among <paramref name="columns"/>, joined with <c>|</c>.</summary>
    private static string MatchKeyColumns(IEnumerable<(IdentifierKind Kind, string Header)> columns) =>
        string.Join('|', columns.Where(c => c.Kind is IdentifierKind.Em or IdentifierKind.Ph or IdentifierKind.Madid)
            .Select(c => c.Header).Distinct(StringComparer.Ordinal));

    /// <summary>
    /// The field of a MISSING_USER_DATA rejection: the match-key columns that were empty or invalid — the row's own, then
    /// the key of a join that found no contact, else the joined contacts' match-key columns — never an unrelated column (#15).
    /// </summary>
    private string MissingUserDataField(string? unmatchedKey)
    {
        var joined = unmatchedKey ?? _joinMatchKeyColumns;
        if (joined.Length == 0) return _matchKeyColumns.Length == 0 ? "em/ph/madid" : _matchKeyColumns;
        return _matchKeyColumns.Length == 0 ? joined : _matchKeyColumns + "|" + joined;
    }

    /// <summary>Builds the event for one row. <paramref name="fields"/> is the row by ordinal.</summary>
    public BuiltRow Build(string?[] fields, long row) => Build(fields, row, _caches.Value!, _timeRules.NowSeconds());

    /// <summary>
    /// Builds a block of rows on one thread: the worker's memo is looked up and the clock read once, not once a row
    /// (a block takes well under a millisecond, and the clock's second is all the event-time rules use).
    /// </summary>
    internal BuiltRow[] BuildBlock(Pipeline.BlockCells cells, long[] rows)
    {
        var caches = _caches.Value!;
        var now = _timeRules.NowSeconds();
        var built = new BuiltRow[cells.Count];
        if (_groups is not null) return BuildGroups(cells, rows, built, caches, now);
        if (_joins.Length == 0)
        {
            for (var i = 0; i < built.Length; i++) built[i] = Build(cells.Row(i), rows[i], caches, now);
            return built;
        }
        // A join's lookups miss the cache twice (key slot, contact row): their memory is asked for two rows and one row
        // ahead, while the rows before are built (see JoinTable.Prefetch).
        if (built.Length > 0) PrefetchJoins(cells.Row(0), rows: false);
        if (built.Length > 1) PrefetchJoins(cells.Row(1), rows: false);
        for (var i = 0; i < built.Length; i++)
        {
            if (i + 2 < built.Length) PrefetchJoins(cells.Row(i + 2), rows: false);
            if (i + 1 < built.Length) PrefetchJoins(cells.Row(i + 1), rows: true);
            built[i] = Build(cells.Row(i), rows[i], caches, now);
        }
        return built;
    }

    /// <summary>A block of whole groups (the reader does not split them): each group's first row built, the others folded into it.</summary>
    private BuiltRow[] BuildGroups(Pipeline.BlockCells cells, long[] rows, BuiltRow[] built, RepeatedValueCache?[] caches, long now)
    {
        var head = 0;
        for (var i = 0; i < built.Length; i++)
        {
            if (i > 0 && _groups!.Continues(cells.Row(i), cells.Row(i - 1)))
            {
                built[i] = _groups.Fold(built[head], cells.Row(i), new RowRef(_source, rows[i]));
                continue;
            }
            head = i;
            built[i] = Build(cells.Row(i), rows[i], caches, now);
        }
        return built;
    }

    private BuiltRow Build(ReadOnlySpan<string?> fields, long row, RepeatedValueCache?[] caches, long now)
    {
        var rowRef = new RowRef(_source, row);
        var result = new BuiltRow(rowRef);

        // the row filter: rows that are not conversions (deals not won, other event types) are counted, not rejected
        foreach (var rule in _filter)
            if (!Holds(rule, fields)) return result.Filter(rule.Name);
        // A payment refunded in full is no conversion, whatever else the row lacks (checked again with the value below).
        if (_single[(int)TargetField.Value] is { LessOrdinal: >= 0 } net && IsRefundedInFull(net, fields, row)) return result.Filter(RefundedInFull);

        var e = new CapiEvent();

        // event_name
        var (rawName, nameField) = Value(fields, TargetField.EventName);
        if (rawName is null) return result.Reject(nameField, Reason.MissingEventName);
        if (!EventNames.TryNormalizeClient(rawName, out var name) && !TryConstantEventName(out name))
            return result.Reject(nameField, Reason.InvalidEventName);
        e.EventName = name!;

        // event_time
        var (rawTime, timeField) = Value(fields, TargetField.EventTime);
        if (rawTime is null) return result.Reject(timeField, Reason.MissingEventTime);
        var timeBinding = _single[(int)TargetField.EventTime];
        var format = timeBinding?.Format;
        var zone = _zone;
        if (timeBinding is { TimeOrdinal: >= 0 } or { ZoneOrdinal: >= 0 })
        {
            // Date, time of day and zone in three columns (Square): one wall-clock time read in the row's zone.
            if (!SplitEventTime.TryCompose(timeBinding, fields, ref rawTime, ref zone, out var zoneName))
                return result.Reject(timeBinding.Header, SplitEventTime.UnknownZone(zoneName));
        }
        if (!EventTimeParser.TryParse(rawTime, zone, format, out var seconds))
        {
            switch (TextValues.ReadDate(rawTime, _culture, zone, out seconds))
            {
                case TextValues.Outcome.Invalid: return result.Reject(timeField, Reason.InvalidEventTime);
                case TextValues.Outcome.Ambiguous:
                    throw new Formats.InputException(_source, "dates such as 03/04/2026 can be read day-first or month-first; say how dates are written with --locale (e.g. en-US, en-GB, de-DE) or give the column a format in the mapping", row, timeField);
            }
        }
        if (_options.MaxEventAgeDays is { } maxAge && EventTimeRules.IsOlderThan(seconds, maxAge, now))
            return result.Reject(timeField, TooOldRejection);
        e.EventTime = seconds;

        // action_source: always sent as OFFLINE
        var (rawSource, sourceField) = Value(fields, TargetField.ActionSource);
        if (!ActionSources.IsOfflineForClient(rawSource)) return result.Reject(sourceField, Reason.InvalidActionSource);

        // user_data
        string? rowCountry = null;
        for (var c = 0; c < _identifiers.Length; c++)
        {
            var col = _identifiers[c];
            var raw = Cell(fields, col.Binding.Ordinal);
            var header = col.Binding.Header;
            if (raw is null && col.Binding.FallbackOrdinal >= 0)
            {
                // Billing address blank: the shipping address's (fallback) cell, named in warnings as itself.
                raw = Cell(fields, col.Binding.FallbackOrdinal);
                header = col.Binding.FallbackHeader!;
            }
            if (raw is not null && col.NamePart) raw = NameWord(raw, first: col.Kind == IdentifierKind.Fn);
            if (raw is null) continue;
            if (col.Binding.Split)
            {
                // Lists ("a@x.com, b@x.com") and decorated cells ("Ann Lee (ann@x.com)"): each part is one value.
                if (col.Binding.Extract == ExtractKind.Contacts)
                {
                    // "ann@x.com, +1 555 0100": e-mails to em, what remains to ph.
                    var (emails, phone) = ContactsCell.Split(raw);
                    foreach (var email in emails) AddIdentifier(e, result, IdentifierKind.Em, email, col.Context, rowCountry, header);
                    if (phone is not null) AddIdentifier(e, result, IdentifierKind.Ph, phone, col.Context, rowCountry, header);
                    continue;
                }
                foreach (var part in TextValues.Split(raw))
                {
                    var part1 = col.Binding.Extract == ExtractKind.Email ? TextValues.ExtractEmail(part) : part;
                    if (part1 is not null) AddIdentifier(e, result, col.Kind, part1, col.Context, rowCountry, header);
                }
                continue;
            }
            var countryMatters = col.Kind is IdentifierKind.Ph or IdentifierKind.St or IdentifierKind.Zp;
            var keyCountry = countryMatters ? rowCountry : null;
            var cache = caches[c];
            NormalizeResult r;
            string? value;
            var kept = false;  // the value went in as a digest (e-mail and phone, see UserData.TrySetFirstDigest)
            if (col.Kind == IdentifierKind.Em && cache is not { Enabled: true } && !col.Context.AlreadyHashed && !e.UserData.HasEm)
            {
                // The common e-mail (ASCII, valid) hashed without its trimmed or lower-cased string; anything else below.
                var digest = default(Sha256Digest);
                if (EmailNormalizer.TryHashAscii(raw, digest) && e.UserData.TrySetFirstDigest(em: true, digest)) continue;
            }
            else if (col.Kind == IdentifierKind.Ph && cache is not { Enabled: true } && !col.Context.AlreadyHashed && !e.UserData.HasPh
                && TextCleaner.Clean(raw) is { Length: > 0 and not (32 or Hashing.Sha256Hex.HexLength) } cleanedPhone)
            {
                // The common phone (the fast path's possible number) hashed without its digit string; anything else below.
                var digest = default(Sha256Digest);
                var ctx = ContextFor(col.Context, col.Kind, keyCountry);
                if (PhoneNormalizer.TryHashFast(cleanedPhone, ctx, digest) && e.UserData.TrySetFirstDigest(em: false, digest)) continue;
            }
            if (cache is null || !cache.Enabled || !cache.TryGet(raw, keyCountry, out r, out value))
            {
                var ctx = ContextFor(col.Context, col.Kind, keyCountry);
                r = IdentifierNormalizer.Normalize(col.Kind, raw, ctx);
                if (r.Status == NormalizeStatus.Normalized && col.Kind is IdentifierKind.Em or IdentifierKind.Ph && cache is not { Enabled: true })
                {
                    // A memo in use shares hex strings across repeats; without one the first value is kept as bytes.
                    var digest = default(Sha256Digest);
                    Hashing.Sha256Hex.HashText(r.Value, digest);
                    kept = e.UserData.TrySetFirstDigest(col.Kind == IdentifierKind.Em, digest);
                    value = kept ? null : Convert.ToHexStringLower(digest);
                }
                else
                {
                    value = r.Status is NormalizeStatus.Normalized or NormalizeStatus.AlreadyHashed
                        ? r.Status == NormalizeStatus.Normalized && IdentifierKinds.IsHashed(col.Kind) ? Hashing.Sha256Hex.Hash(r.Value) : r.Value
                        : null;
                    if (cache is { Enabled: true }) cache.Put(raw, keyCountry, r, value);
                }
            }
            switch (r.Status)
            {
                case NormalizeStatus.Empty: continue;
                case NormalizeStatus.Invalid:
                    result.Warn(header, r.Warning ?? Reason.InvalidUserDataField);
                    continue;
            }
            if (col.Kind == IdentifierKind.Country && r.Status == NormalizeStatus.Normalized) rowCountry ??= r.Value;
            if (!kept) Put(e.UserData, col.Kind, value!);
        }
        string? unmatchedKey = null;
        if (_joins.Length > 0) unmatchedKey = AddJoined(fields, e, result, rowCountry);
        if (!e.UserData.HasMatchKey)
            return result.Reject(MissingUserDataField(unmatchedKey), Reason.MissingUserData);

        // currency and value
        var isPurchase = e.EventName == EventNames.Purchase;
        var (rawCurrency, currencyField) = Value(fields, TargetField.Currency);
        if (rawCurrency is null) { if (isPurchase) return result.Reject(currencyField, Reason.MissingCurrency); }
        else if (CurrencyCodes.TryNormalize(rawCurrency, out var code) || TextValues.TryCurrency(rawCurrency, out code)) e.CustomData.Currency = code;
        else return result.Reject(currencyField, Reason.InvalidCurrency with
        {
            // A currency is not personal data: naming it tells the user which name to fix.
            Message = $"custom_data.currency '{rawCurrency.Trim()}' is not an ISO 4217 code or a currency name.",
        });

        var (rawValue, valueField) = Value(fields, TargetField.Value);
        if (rawValue is null) { if (isPurchase) return result.Reject(valueField, Reason.MissingValue); }
        else if (_single[(int)TargetField.Value] is { } vb && (vb.Money || vb.LessOrdinal >= 0))
        {
            // A till's amount ($4,300.00, ($100.00)) and, with less, what is left after the refund.
            if (!TryMoney(vb, rawValue, valueField, row, out var amount)) return result.Reject(valueField, Reason.InvalidValue);
            if (vb.LessOrdinal >= 0)
            {
                var refunded = 0m;
                if (Cell(fields, vb.LessOrdinal) is { } rawLess && !TryMoney(vb, rawLess, vb.LessHeader!, row, out refunded))
                    return result.Reject(vb.LessHeader!, Reason.InvalidValue);
                amount -= refunded;
                if (amount <= 0) return result.Filter(RefundedInFull);
            }
            if (amount < 0) return result.Reject(valueField, Reason.InvalidValue);
            e.CustomData.Value = amount;
        }
        else if (TryAmount(rawValue, valueField, row, out var amount)) e.CustomData.Value = amount;
        else return result.Reject(valueField, Reason.InvalidValue);

        // the rest of custom_data
        var (tag, _) = Value(fields, TargetField.EventTag);
        e.CustomData.EventTag = tag?.Trim();
        var (category, _) = Value(fields, TargetField.ContentCategory);
        e.CustomData.ContentCategory = category?.Trim();
        var (rawItems, itemsField) = Value(fields, TargetField.NumItems);
        if (rawItems is not null)
        {
            if (int.TryParse(rawItems.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0)
                e.CustomData.NumItems = n;
            else result.Warn(itemsField, InvalidNumItems);
        }
        foreach (var b in _contentIds)
            if (Cell(fields, b.Ordinal) is { } ids) AddContentIds(e.CustomData, ids);

        // ids: the source's event id, else its transaction/order id, else a stable content hash
        var (orderId, _) = Value(fields, TargetField.OrderId);
        orderId = orderId?.Trim();
        if (orderId is not null) e.CustomData.OrderId = orderId;
        var (eventId, _) = Value(fields, TargetField.EventId);
        if (eventId is null) (eventId, _) = Value(fields, TargetField.ClientDedupId);
        e.EventId = eventId?.Trim() ?? orderId ?? StableEventId.Compute(_options.PixelId, e);

        foreach (var w in EventTimeRules.WarningsFor(seconds, now)) result.Warn(timeField, w);
        result.Event = e;
        result.DedupKeys = InRunDeduper.KeysOf(e);
        result.SetCoverage(e);
        return result;
    }

    /// <summary>
    /// An amount: with a locale in force, its marks first (then the plain form, as exports write raw numbers too);
    /// without, the plain form, then forms that read the same in every locale. An amount that reads differently by
    /// locale (<c>10,000</c>) stops the run: it is never guessed.
    /// </summary>
    private bool TryAmount(string raw, string field, long row, out decimal amount)
    {
        if (_culture is not null)
            return TextValues.ReadAmount(raw, _culture, out amount) == TextValues.Outcome.Parsed
                || ValueRules.TryParse(raw, out amount, _decimalSeparator);
        if (ValueRules.TryParse(raw, out amount, _decimalSeparator)) return true;
        return TextValues.ReadAmount(raw, null, out amount) switch
        {
            TextValues.Outcome.Parsed => true,
            TextValues.Outcome.Ambiguous => throw new Formats.InputException(_source,
                "amounts such as 10,000 read as ten thousand or as ten depending on the locale; say how numbers are written with --locale (e.g. en-US, en-GB, de-DE)", row, field),
            _ => false,
        };
    }

    /// <summary>The filter rule name of a row whose value is nothing once the refunded amount (<c>less</c>) is taken off.</summary>
    public const string RefundedInFull = "refunded in full";

    private bool IsRefundedInFull(ColumnBinding net, ReadOnlySpan<string?> fields, long row)
    {
        var (raw, field) = Value(fields, TargetField.Value);
        return raw is not null && Cell(fields, net.LessOrdinal) is { } rawLess
            && TryMoney(net, raw, field, row, out var amount) && TryMoney(net, rawLess, net.LessHeader!, row, out var refunded)
            && amount - refunded <= 0;
    }

    /// <summary>An amount as a till writes it (<see cref="MoneyText"/>), signed; grouping read as <see cref="TryAmount"/> reads it.</summary>
    private bool TryMoney(ColumnBinding binding, string raw, string field, long row, out decimal amount)
    {
        if (!binding.Money) return TryAmount(raw, field, row, out amount);
        amount = 0;
        if (!MoneyText.TryStrip(raw, out var number, out var negative)) return false;
        if (!TryAmount(number, field, row, out amount)) return false;
        if (negative) amount = -amount;
        return true;
    }

    private static bool Holds(BoundFilterRule rule, ReadOnlySpan<string?> fields)
    {
        foreach (var c in rule.Any)
        {
            var v = (uint)c.Ordinal < (uint)fields.Length ? fields[c.Ordinal] : null;
            if (c.Values.Contains(v) != c.Negate) return true;
        }
        return false;
    }

    /// <summary>Per thread: the rows each join matched for the row being built (reused; the builder serves several workers).</summary>
    [ThreadStatic] private static List<int>[]? t_joined;
    [ThreadStatic] private static List<string>? t_parts;

    /// <summary>
    /// A join column normalized by the index (<see cref="JoinSet.Load"/>) must have been normalized as this run would: with the
    /// same default country, and for phones, states and zips only where no row can carry its own country.
    /// </summary>
    private static void CheckJoinNormalized(JoinColumns join, bool rowCountry)
    {
        if (join.Table is null) return;
        foreach (var (index, kind, ctx, _) in join.Identifiers)
        {
            if (join.Table.NormalizedWith(index) is not { } loaded) continue;
            var countryDependent = kind is IdentifierKind.Ph or IdentifierKind.St or IdentifierKind.Zp;
            if ((countryDependent && (rowCountry || loaded.DefaultCountry != ctx.DefaultCountry))
                || loaded.PreserveCase != ctx.PreserveCase || loaded.AlreadyHashed != ctx.AlreadyHashed || loaded.FoldCityAccents != ctx.FoldCityAccents)
                throw new InvalidOperationException("The join index was normalized with other settings than the run's (default country, row country column, case or accents); load it with JoinSet.Load and the run's default country.");
        }
    }

    /// <summary>
    /// Hints the CPU to fetch what building the row <paramref name="fields"/> will look up in the join indexes: stage 1 the
    /// key slots, stage 2 (<paramref name="rows"/>, a row later) the contacts' rows (see <see cref="JoinTable.Prefetch"/>).
    /// Keys read from an earlier join's rows are not hinted. Changes nothing; thread-safe.
    /// </summary>
    private void PrefetchJoins(ReadOnlySpan<string?> fields, bool rows)
    {
        foreach (var join in _joins)
        {
            if (join.Table is null) continue;
            foreach (var key in join.Keys)
            {
                if (key.Ordinal < 0 || Cell(fields, key.Ordinal) is not { } cell) continue;
                join.Table.Prefetch(cell, rows);
            }
        }
    }

    /// <summary>Adds the identifiers of every joined row; returns the key column to name when no join matched.</summary>
    private string? AddJoined(ReadOnlySpan<string?> fields, CapiEvent e, BuiltRow result, string? rowCountry)
    {
        var matched = t_joined is { } m && m.Length >= _joins.Length ? m : t_joined = new List<int>[_joins.Length];
        var parts = t_parts ??= [];
        string? unmatched = null;
        for (var j = 0; j < _joins.Length; j++)
        {
            var join = _joins[j];
            var rows = matched[j] ??= [];
            rows.Clear();
            if (join.Table is null) { unmatched ??= join.Join.KeyHeaders; continue; }
            foreach (var key in join.Keys)
            {
                if (key.Ordinal >= 0)
                {
                    if (Cell(fields, key.Ordinal) is { } cell) join.Table.LookupAll(cell, rows);
                }
                else if (_joins[key.FromJoin].Table is { } earlierTable)
                {
                    foreach (var earlier in matched[key.FromJoin])
                        join.Table.Lookup(earlierTable.Cell(earlier, key.Column), rows);
                }
            }
            if (rows.Count == 0) { unmatched ??= join.Join.KeyHeaders; continue; }
            foreach (var r in rows)
                foreach (var (index, kind, ctx, header) in join.Identifiers)
                {
                    if (join.Table.NormalizedWith(index) is not null)
                    {
                        // Normalized and hashed once per contact, on its first join (the constructor checked the context matches).
                        foreach (var v in join.Table.Values(r, index))
                        {
                            if (v.Warning is { } warning) result.Warn(header, warning);
                            else Put(e.UserData, kind, v.Value!);
                        }
                        continue;
                    }
                    JoinTable.SplitCell(join.Table.Cell(r, index), parts);
                    foreach (var part in parts)
                        AddIdentifier(e, result, kind, part, ctx, rowCountry, header);
                }
            foreach (var r in rows)
                foreach (var (index, ctx, header) in join.Names)
                {
                    // One name a cell, read as the main file's full_name: not split into a list as other joined cells.
                    var cell = join.Table.Cell(r, index);
                    if (cell.IsWhiteSpace()) continue;
                    var name = cell.ToString();
                    if (NameWord(name, first: true) is { } fn) AddIdentifier(e, result, IdentifierKind.Fn, fn, ctx, rowCountry, header);
                    if (NameWord(name, first: false) is { } ln) AddIdentifier(e, result, IdentifierKind.Ln, ln, ctx, rowCountry, header);
                }
        }
        parts.Clear();  // no contact's values outlive the row
        return unmatched;
    }

    /// <summary>The context a value of <paramref name="kind"/> is read with: the row's country applies to phones, states and zips.</summary>
    private static NormalizeContext ContextFor(NormalizeContext context, IdentifierKind kind, string? rowCountry) =>
        rowCountry is null || kind is not (IdentifierKind.Ph or IdentifierKind.St or IdentifierKind.Zp)
            ? context
            : context with { RowCountry = rowCountry };

    private static void AddIdentifier(CapiEvent e, BuiltRow result, IdentifierKind kind, string raw, NormalizeContext context,
        string? rowCountry, string header)
    {
        var r = IdentifierNormalizer.Normalize(kind, raw, ContextFor(context, kind, rowCountry));
        switch (r.Status)
        {
            case NormalizeStatus.Empty: return;
            case NormalizeStatus.Invalid:
                result.Warn(header, r.Warning ?? Reason.InvalidUserDataField);
                return;
        }
        var value = r.Status == NormalizeStatus.Normalized && IdentifierKinds.IsHashed(kind)
            ? Hashing.Sha256Hex.Hash(r.Value)
            : r.Value!;
        Put(e.UserData, kind, value);
    }

    /// <summary>A single-valued field: the mapped column's cleaned non-blank value, else the mapping's constant.</summary>
    private (string? Value, string Field) Value(ReadOnlySpan<string?> fields, TargetField field)
    {
        // Spec §3: every input string is NFC-normalized, stripped of format characters (BOM, zero-width space) and
        // trimmed; a cell with nothing left is missing. ASCII cells without edge spaces come back as the same instance.
        var b = _single[(int)field];
        // (No white-space check first: a blank cell cleans to "", which reads as missing all the same.)
        if (b is not null && (uint)b.Ordinal < (uint)fields.Length && fields[b.Ordinal] is { } v && TextCleaner.Clean(v) is { Length: > 0 } cleaned)
            return (cleaned, b.Header);
        // The mapping's fallback column (Paid at blank: Created at), before the constant.
        if (b is { FallbackOrdinal: >= 0 } && (uint)b.FallbackOrdinal < (uint)fields.Length
            && fields[b.FallbackOrdinal] is { } fv && TextCleaner.Clean(fv) is { Length: > 0 } fallbackCleaned)
            return (fallbackCleaned, b.FallbackHeader!);
        return _fallback[(int)field];
    }

    /// <summary>
    /// The event name of a row whose auto-detected event-name column holds no Snap event name: the constant
    /// (<c>--event-name</c>, the mapping's <c>event_name</c>). A column found only by its header (Square's <c>Event Type</c>:
    /// Payment, Refund) is no word of the user's, who said what the rows are; a column a rule names still rejects (#15).
    /// </summary>
    private bool TryConstantEventName(out string? name)
    {
        name = null;
        return _single[(int)TargetField.EventName] is { AutoDetected: true }
            && _fallback[(int)TargetField.EventName].Value is { } constant && EventNames.TryNormalizeClient(constant, out name);
    }

    /// <summary>
    /// Adds the items of a <c>content_ids</c> cell (<c>a;b</c>, <c>a,b</c>, <c>a|b</c>), each trimmed and without a spreadsheet's
    /// text marker (<c>'00123</c>, see <see cref="TextCleaner.WithoutTextMarker(string)"/>), as every other cell is read (#15).
    /// </summary>
    internal static void AddContentIds(CustomData data, string cell)
    {
        foreach (var item in cell.Split([';', ',', '|'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (TextCleaner.WithoutTextMarker(item) is { Length: > 0 } id) (data.ContentIds ??= []).Add(id);
    }

    /// <summary>The first or the last word of a full name; the last of a one-word name is none.</summary>
    private static string? NameWord(string name, bool first)
    {
        var words = name.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return words.Length == 0 ? null : first ? words[0] : words.Length > 1 ? words[^1] : null;
    }

    private static string? Cell(ReadOnlySpan<string?> fields, int ordinal) =>
        (uint)ordinal < (uint)fields.Length && !string.IsNullOrWhiteSpace(fields[ordinal]) ? fields[ordinal] : null;

    private static void Put(UserData u, IdentifierKind kind, string value)
    {
        switch (kind)
        {
            case IdentifierKind.Em: { var l = u.Em; UserData.AddDistinct(ref l, value); u.Em = l; break; }
            case IdentifierKind.Ph: { var l = u.Ph; UserData.AddDistinct(ref l, value); u.Ph = l; break; }
            case IdentifierKind.Fn: { var l = u.Fn; UserData.AddDistinct(ref l, value); u.Fn = l; break; }
            case IdentifierKind.Ln: { var l = u.Ln; UserData.AddDistinct(ref l, value); u.Ln = l; break; }
            case IdentifierKind.Ge: { var l = u.Ge; UserData.AddDistinct(ref l, value); u.Ge = l; break; }
            case IdentifierKind.Ct: { var l = u.Ct; UserData.AddDistinct(ref l, value); u.Ct = l; break; }
            case IdentifierKind.St: { var l = u.St; UserData.AddDistinct(ref l, value); u.St = l; break; }
            case IdentifierKind.Zp: { var l = u.Zp; UserData.AddDistinct(ref l, value); u.Zp = l; break; }
            case IdentifierKind.Country: { var l = u.Country; UserData.AddDistinct(ref l, value); u.Country = l; break; }
            case IdentifierKind.Db: u.Db ??= value; break;
            case IdentifierKind.ExternalId: u.ExternalId ??= value; break;
            case IdentifierKind.Madid: u.Madid ??= value; break;
            case IdentifierKind.ClientIpAddress: u.ClientIpAddress ??= value; break;
            case IdentifierKind.ClientUserAgent: u.ClientUserAgent ??= value; break;
            case IdentifierKind.ScClickId: u.ScClickId ??= value; break;
            case IdentifierKind.ScCookie1: u.ScCookie1 ??= value; break;
            case IdentifierKind.LeadId: u.LeadId ??= value; break;
        }
    }
}

/// <summary>The outcome of one row: an event (with warnings) or a rejection.</summary>
/// <remarks>
/// One per row, so it is kept small: a rejection and the first warning are held as field and reason (the row is
/// the row's own), and only a second warning makes a list.
/// </remarks>
public sealed class BuiltRow(RowRef row)
{
    public RowRef Row { get; } = row;
    public CapiEvent? Event { get; set; }
    /// <summary>The event's in-run dedup keys, computed on the worker that built it.</summary>
    public Dedup.DedupKeys DedupKeys { get; internal set; }
    public RowIssue? Rejection => _rejectReason is null ? null : new RowIssue(Row, _rejectField!, _rejectReason);
    /// <summary>The row's warnings in the order given; null when none.</summary>
    public IReadOnlyList<RowIssue>? Warnings => WarningCount switch
    {
        0 => null,
        1 => [new RowIssue(Row, _warningField!, _warningReason!)],
        _ => [new RowIssue(Row, _warningField!, _warningReason!), .. _moreWarnings!],
    };
    /// <summary>How many warnings <see cref="Warnings"/> holds.</summary>
    public int WarningCount { get; private set; }
    /// <summary>The filter rule that left the row out (not a conversion: neither accepted nor rejected); null otherwise.</summary>
    public string? FilteredBy { get; private set; }
    /// <summary>The row continued the group above (<c>group_by</c>) and was folded into that group's first row.</summary>
    public bool IsFolded { get; private set; }

    private string? _rejectField;
    private Reason? _rejectReason;
    private string? _warningField;     // the first warning
    private Reason? _warningReason;
    private List<RowIssue>? _moreWarnings;
    // The identifier coverage of the event it was computed for (on the worker), so the consumer only adds bits.
    private CapiEvent? _coverageEvent;
    private uint _coverage;

    /// <summary>The reason of warning <paramref name="i"/> (&lt; <see cref="WarningCount"/>), without making the list.</summary>
    internal Reason WarningReason(int i) => i == 0 ? _warningReason! : _moreWarnings![i - 1].Reason;

    internal void SetCoverage(CapiEvent e)
    {
        _coverage = Pipeline.RunReport.CoverageMask(e.UserData);
        _coverageEvent = e;
    }

    /// <summary>The coverage mask of <paramref name="e"/>: the one computed by the builder, else computed now (an event set by hand).</summary>
    internal uint CoverageOf(CapiEvent e) => ReferenceEquals(e, _coverageEvent) ? _coverage : Pipeline.RunReport.CoverageMask(e.UserData);

    internal BuiltRow Fold()
    {
        IsFolded = true;
        return this;
    }

    internal BuiltRow Filter(string rule)
    {
        FilteredBy = rule;
        return this;
    }

    internal BuiltRow Reject(string field, Reason reason)
    {
        _rejectField = field;
        _rejectReason = reason;
        Event = null;
        return this;
    }

    internal void Warn(string field, Reason reason)
    {
        if (WarningCount == 0)
        {
            _warningField = field;
            _warningReason = reason;
        }
        else (_moreWarnings ??= new List<RowIssue>(1)).Add(new RowIssue(Row, field, reason));
        WarningCount++;
    }
}
