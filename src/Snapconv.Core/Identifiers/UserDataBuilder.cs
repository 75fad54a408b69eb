using Snapconv.Core.Capi;
using Snapconv.Core.Hashing;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Identifiers;

/// <summary>
/// The user-data stage: a row's identifier columns, and the identifier columns of the rows its joins matched, cleaned,
/// normalized (<see cref="IdentifierNormalizer"/>) and hashed into the event's user_data. A value that does not normalize
/// is a warning naming its column, never a rejection (the event-rules stage rejects a row left without em/ph/madid).
/// Thread-safe: one instance serves every worker of a file; the memo of repeated values is per worker thread.
/// </summary>
internal sealed class UserDataBuilder
{
    private readonly IdentifierColumn[] _identifiers;  // user_data columns, country first
    private readonly JoinMatcher _matcher;
    private readonly JoinColumns[] _joins;             // by join, as _matcher.Joins
    private readonly ThreadLocal<RepeatedValueCache?[]> _caches;  // per worker thread, per identifier column
    private readonly string _matchKeyColumns;      // the row's em/ph/madid columns, joined with '|': a MISSING_USER_DATA's field
    private readonly string _joinMatchKeyColumns;  // the joins' em/ph/madid columns, likewise

    private sealed record IdentifierColumn(ColumnBinding Binding, IdentifierKind Kind, NormalizeContext Context)
    {
        /// <summary>full_name: this column reads the name's first word (fn) or last word (ln).</summary>
        public bool NamePart { get; init; }
    }

    /// <summary>A join's table (null: no file given) and the contexts of its identifier columns.</summary>
    private sealed record JoinColumns(JoinTable? Table, (int Index, IdentifierKind Kind, NormalizeContext Context, string Header)[] Identifiers)
    {
        /// <summary>full_name columns (kept as read by the index): the first word is fn, the last ln, as in the main file.</summary>
        public (int Index, NormalizeContext Context, string Header)[] Names { get; init; } = [];
    }

    /// <exception cref="InvalidOperationException">A join index was normalized with other settings than this run's.</exception>
    public UserDataBuilder(BoundMapping mapping, ConversionOptions options, JoinMatcher matcher, TimeProvider clock)
    {
        _matcher = matcher;
        var identifiers = new List<IdentifierColumn>();
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
                    Clock = clock,
                };
                identifiers.Add(new IdentifierColumn(b, kind, ctx));
            }
            else if (b.Field == TargetField.FullName)
            {
                // "Ann Marie Lee": fn ann, ln lee (a one-word name gives fn only).
                var ctx = new NormalizeContext { DefaultCountry = defaultCountry, FoldCityAccents = options.Mapping.FoldCityAccents, Clock = clock };
                identifiers.Add(new IdentifierColumn(b, IdentifierKind.Fn, ctx) { NamePart = true });
                identifiers.Add(new IdentifierColumn(b, IdentifierKind.Ln, ctx) { NamePart = true });
            }
        }
        _joins = matcher.Joins.Select(m => new JoinColumns(m.Table,
            m.Bound.Spec.Columns.Select((c, i) => (i, c))
                .Where(x => TargetFields.ToIdentifier(x.c.Field) is not null)
                .Select(x => (x.i, TargetFields.ToIdentifier(x.c.Field)!.Value, new NormalizeContext
                {
                    DefaultCountry = defaultCountry,
                    DobFormat = x.c.Format ?? options.Mapping.DobFormat,
                    PreserveCase = x.c.PreserveCase,
                    AlreadyHashed = x.c.AlreadyHashed,
                    FoldCityAccents = options.Mapping.FoldCityAccents,
                    Clock = clock,
                }, m.Bound.Spec.Name + "." + x.c.Column)).ToArray())
        {
            Names = m.Bound.Spec.Columns.Select((c, i) => (i, c)).Where(x => x.c.Field == TargetField.FullName)
                .Select(x => (x.i, new NormalizeContext { DefaultCountry = defaultCountry, FoldCityAccents = options.Mapping.FoldCityAccents, Clock = clock },
                    m.Bound.Spec.Name + "." + x.c.Column)).ToArray(),
        }).ToArray();
        foreach (var join in _joins) CheckJoinNormalized(join, identifiers.Any(i => i.Kind == IdentifierKind.Country));
        // The row's country decides how phones, states and zips are read, so it is normalized first.
        identifiers.Sort((a, b) => (a.Kind == IdentifierKind.Country ? 0 : 1).CompareTo(b.Kind == IdentifierKind.Country ? 0 : 1));
        _identifiers = identifiers.ToArray();
        if (_identifiers.Any(i => i.Kind == IdentifierKind.Ph)) PhoneNormalizer.WarmUpInBackground();
        var cacheable = _identifiers.Select(i => !i.Binding.Split && RepeatedValueCache.Suits(i.Kind)).ToArray();
        _caches = new ThreadLocal<RepeatedValueCache?[]>(() => cacheable.Select(ok => ok ? new RepeatedValueCache() : null).ToArray());
        // A column's fallback (shipping after billing) is named too: it was read when the column was blank.
        _matchKeyColumns = MatchKeyColumns(_identifiers.SelectMany(i => i.Binding.FallbackHeader is { } fb
            ? new[] { (i.Kind, i.Binding.Header), (i.Kind, fb) } : [(i.Kind, i.Binding.Header)]));
        _joinMatchKeyColumns = MatchKeyColumns(_joins.SelectMany(j => j.Identifiers.Select(x => (x.Kind, x.Header))));
    }

    /// <summary>This worker thread's memo of repeated values, by identifier column: looked up once a block, passed to <see cref="Add"/>.</summary>
    public RepeatedValueCache?[] WorkerCaches => _caches.Value!;

    /// <summary>The distinct headers of the match-key (em, ph, madid) columns among <paramref name="columns"/>, joined with <c>|</c>.</summary>
    private static string MatchKeyColumns(IEnumerable<(IdentifierKind Kind, string Header)> columns) =>
        string.Join('|', columns.Where(c => c.Kind is IdentifierKind.Em or IdentifierKind.Ph or IdentifierKind.Madid)
            .Select(c => c.Header).Distinct(StringComparer.Ordinal));

    /// <summary>
    /// The field of a MISSING_USER_DATA rejection: the match-key columns that were empty or invalid — the row's own, then
    /// the key of a join that found no contact (<paramref name="unmatchedKey"/>, from <see cref="Add"/>), else the joined
    /// contacts' match-key columns — never an unrelated column (#15).
    /// </summary>
    public string MissingUserDataField(string? unmatchedKey)
    {
        var joined = unmatchedKey ?? _joinMatchKeyColumns;
        if (joined.Length == 0) return _matchKeyColumns.Length == 0 ? "em/ph/madid" : _matchKeyColumns;
        return _matchKeyColumns.Length == 0 ? joined : _matchKeyColumns + "|" + joined;
    }

    /// <summary>
    /// Adds the row's identifiers, then those of every joined row, to <paramref name="e"/>'s user_data; a value that does not
    /// normalize warns on <paramref name="result"/>. Returns the key columns of the first join that matched nothing (null
    /// when none, or no joins).
    /// </summary>
    public string? Add(ReadOnlySpan<string?> fields, CapiEvent e, BuiltRow result, RepeatedValueCache?[] caches)
    {
        string? rowCountry = null;
        for (var c = 0; c < _identifiers.Length; c++)
        {
            var col = _identifiers[c];
            var raw = RowFields.Cell(fields, col.Binding.Ordinal);
            var header = col.Binding.Header;
            if (raw is null && col.Binding.FallbackOrdinal >= 0)
            {
                // Billing address blank: the shipping address's (fallback) cell, named in warnings as itself.
                raw = RowFields.Cell(fields, col.Binding.FallbackOrdinal);
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
                && TextCleaner.Clean(raw) is { Length: > 0 and not (32 or Sha256Hex.HexLength) } cleanedPhone)
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
                    Sha256Hex.HashText(r.Value, digest);
                    kept = e.UserData.TrySetFirstDigest(col.Kind == IdentifierKind.Em, digest);
                    value = kept ? null : Convert.ToHexStringLower(digest);
                }
                else
                {
                    value = r.Status is NormalizeStatus.Normalized or NormalizeStatus.AlreadyHashed
                        ? r.Status == NormalizeStatus.Normalized && IdentifierKinds.IsHashed(col.Kind) ? Sha256Hex.Hash(r.Value) : r.Value
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
        if (_joins.Length == 0) return null;
        var matched = _matcher.Match(fields, out var unmatched);
        AddJoined(matched, e, result, rowCountry);
        return unmatched;
    }

    /// <summary>Adds the identifiers of every joined row.</summary>
    private void AddJoined(List<int>[] matched, CapiEvent e, BuiltRow result, string? rowCountry)
    {
        var parts = t_parts ??= [];
        for (var j = 0; j < _joins.Length; j++)
        {
            var join = _joins[j];
            var rows = matched[j];
            if (join.Table is null || rows.Count == 0) continue;
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
    }

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
            ? Sha256Hex.Hash(r.Value)
            : r.Value!;
        Put(e.UserData, kind, value);
    }

    /// <summary>The first or the last word of a full name; the last of a one-word name is none.</summary>
    private static string? NameWord(string name, bool first)
    {
        var words = name.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return words.Length == 0 ? null : first ? words[0] : words.Length > 1 ? words[^1] : null;
    }

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
