using System.Collections.Frozen;
using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Validation.Wire;
using Snapconv.Sandbox.Dedup;

namespace Snapconv.Sandbox.Store;

/// <summary>
/// The sandbox's live storage, dedup and test logs. One lock per pixel (never a global one): parsing
/// and validation happen outside it, only the insert loop runs inside.
/// </summary>
internal sealed class SandboxStore : ISandboxStore, IDisposable
{
    /// <summary>Test-event logs are kept about a day (spec §1).</summary>
    public static readonly TimeSpan TestLogRetention = TimeSpan.FromHours(24);

    private readonly FrozenDictionary<string, PixelState> _pixels;
    private readonly IEventJournal? _journal;

    public SandboxStore(IEnumerable<string> pixelIds, DedupClock dedupClock, IEventJournal? journal)
    {
        _pixels = pixelIds.ToFrozenDictionary(p => p, _ => new PixelState(dedupClock), StringComparer.Ordinal);
        _journal = journal;
        if (journal is not null) Load(journal);
    }

    public IReadOnlyCollection<string> PixelIds => _pixels.Keys;

    public bool Contains(string pixelId) => _pixels.ContainsKey(pixelId);

    private PixelState? Find(string pixelId) => _pixels.GetValueOrDefault(pixelId);

    /// <summary>
    /// Counts a live request's events and stores the valid ones (dedup and merge applied).
    /// Returns how many were dropped as duplicates.
    /// </summary>
    public int Commit(string pixelId, int received, int invalid, ReadOnlySpan<PendingEvent> events, long nowMs)
    {
        var px = _pixels[pixelId];
        List<JournalRow>? added = _journal is null ? null : new(events.Length);
        List<JournalRow>? merged = null;
        var duplicates = 0;
        InternCache names = default, currencies = default;
        lock (px.Gate)
        {
            px.Received += received;
            px.Invalid += invalid;
            foreach (ref readonly var pending in events)
            {
                var m = pending.Meta;
                var candidate = ToStored(m, nowMs, ref names, ref currencies);
                using var ids = new DedupIndex.CandidateIds(m.DedupId, m.OrderId);
                var original = px.Dedup.FindOrAdd(ref candidate, m.EventName!, ids, px.Events.Count);
                if (original < 0)
                {
                    var index = px.Events.Add();
                    ref var e = ref px.Events[index];
                    e = candidate;
                    px.Events.SetJson(ref e, pending.Json);
                    added?.Add(new JournalRow(index, nowMs, pending.Json));
                    continue;
                }
                duplicates++;
                if (EventMerger.Merge(px.Events.Json(px.Events[original]), pending.Json) is { } mergedJson)
                {
                    var gainedOrder = Refresh(px, original, mergedJson);
                    using var gained = new DedupIndex.CandidateIds(null, gainedOrder);
                    px.Dedup.AddOrder(original, gained);
                    if (_journal is not null) (merged ??= []).Add(new JournalRow(original, px.Events[original].ReceivedAtMs, mergedJson));
                }
            }
            px.Duplicates += duplicates;
            _journal?.Write(pixelId, added!, (IReadOnlyList<JournalRow>?)merged ?? []);
        }
        return duplicates;
    }

    /// <summary>The last string interned and its id: a batch's events mostly share name and currency.</summary>
    private struct InternCache
    {
        private string? _last;
        private int _id;

        public int Id(Interned table, string s)
        {
            if (_last is not null && (ReferenceEquals(s, _last) || s == _last)) return _id;
            _id = table.Id(s);
            _last = s;
            return _id;
        }
    }

    private static StoredEvent ToStored(in WireEvent m, long receivedAtMs, ref InternCache names, ref InternCache currencies) => new()
    {
        ReceivedAtMs = receivedAtMs,
        EventTime = m.EventTimeSeconds,
        Kind = m.ActionSource,
        Name = names.Id(Interned.Names, m.EventName!),
        Currency = m.Currency is { } cur ? currencies.Id(Interned.Currencies, cur) : -1,
        Value = m.Value.GetValueOrDefault(),
        HasValue = m.Value.HasValue,
        HasMatchKey = m.HasMatchKey,
        HasOrderId = m.OrderId is not null,
        NextSameKey = -1,
        NextSameOrder = -1,
    };

    /// <summary>Counts a live request whose events were all rejected (nothing stored).</summary>
    public void CountRejected(string pixelId, int received, int invalid)
    {
        var px = _pixels[pixelId];
        lock (px.Gate)
        {
            px.Received += received;
            px.Invalid += invalid;
        }
    }

    /// <summary>Appends test events to the 24-hour log.</summary>
    public void AddTestLogs(string pixelId, IReadOnlyList<TestLogEntry> entries, long nowMs)
    {
        var px = _pixels[pixelId];
        lock (px.Gate)
        {
            PruneLogs(px, nowMs);
            px.TestLogs.AddRange(entries);
        }
    }

    /// <summary>Test logs of the last 24 hours, oldest first.</summary>
    public List<TestLogEntry> GetTestLogs(string pixelId, long nowMs)
    {
        var px = _pixels[pixelId];
        lock (px.Gate)
        {
            PruneLogs(px, nowMs);
            return [.. px.TestLogs];
        }
    }

    /// <summary>(events in the past hour, latest arrival in epoch seconds) for test and live traffic.</summary>
    public ((int Count, long? Latest) Test, (int Count, long? Latest) Live) GetValidateStats(string pixelId, long nowMs)
    {
        var px = _pixels[pixelId];
        var from = nowMs - 3_600_000;
        lock (px.Gate)
        {
            PruneLogs(px, nowMs);
            var testCount = 0;
            foreach (var l in px.TestLogs) if (l.ReceivedAtMs > from) testCount++;
            long? testLatest = px.TestLogs.Count > 0 ? px.TestLogs[^1].ReceivedAtMs / 1000 : null;
            // Events are in arrival order: binary search the first one inside the hour.
            int lo = 0, hi = px.Events.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (px.Events[mid].ReceivedAtMs > from) hi = mid; else lo = mid + 1;
            }
            long? liveLatest = px.Events.Count > 0 ? px.Events[px.Events.Count - 1].ReceivedAtMs / 1000 : null;
            return ((testCount, testLatest), (px.Events.Count - lo, liveLatest));
        }
    }

    /// <summary>Computes the inspection stats of one pixel over <paramref name="types"/>.</summary>
    public PixelStats GetStats(string pixelId, IReadOnlyList<ConversionSourceType> types)
    {
        var px = _pixels[pixelId];
        var byName = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var perType = types.Select(t => new TypeBreakdown(t)).ToArray();
        long withKey = 0, stored;
        SandboxCounters counters;
        lock (px.Gate)
        {
            stored = px.Events.Count;
            counters = new SandboxCounters(px.Received, stored, px.Duplicates, px.Invalid);
            for (var i = 0; i < px.Events.Count; i++)
            {
                ref readonly var e = ref px.Events[i];
                var name = Interned.Names[e.Name];
                byName[name] = byName.GetValueOrDefault(name) + 1;
                if (e.HasMatchKey) withKey++;
                foreach (var t in perType)
                {
                    if (!t.Type.Includes(e.Kind)) continue;
                    t.Total++;
                    t.ByEventName[name] = t.ByEventName.GetValueOrDefault(name) + 1;
                    if (e.Currency >= 0 && e.HasValue)
                    {
                        var cur = Interned.Currencies[e.Currency];
                        t.ValueByCurrency[cur] = t.ValueByCurrency.GetValueOrDefault(cur) + e.Value;
                    }
                }
            }
        }
        return new PixelStats(pixelId, counters, byName, stored == 0 ? 0 : (double)withKey / stored, perType);
    }

    public int Count(string pixelId)
    {
        if (Find(pixelId) is not { } px) return 0;
        lock (px.Gate) return px.Events.Count;
    }

    public IReadOnlyList<SandboxStoredEvent> GetEvents(string pixelId, int offset = 0, int limit = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (Find(pixelId) is not { } px) return [];
        lock (px.Gate)
        {
            var n = (int)Math.Clamp((long)px.Events.Count - offset, 0, limit);
            var result = new SandboxStoredEvent[n];
            for (var i = 0; i < n; i++)
            {
                ref readonly var e = ref px.Events[offset + i];
                result[i] = new SandboxStoredEvent(DateTimeOffset.FromUnixTimeMilliseconds(e.ReceivedAtMs), px.Events.Json(e));
            }
            return result;
        }
    }

    public SandboxCounters GetCounters(string pixelId)
    {
        if (Find(pixelId) is not { } px) return default;
        lock (px.Gate) return new SandboxCounters(px.Received, px.Events.Count, px.Duplicates, px.Invalid);
    }

    public void Dispose() => _journal?.Dispose();

    private static void PruneLogs(PixelState px, long nowMs)
    {
        var cutoff = nowMs - (long)TestLogRetention.TotalMilliseconds;
        var drop = 0;
        while (drop < px.TestLogs.Count && px.TestLogs[drop].ReceivedAtMs < cutoff) drop++;
        if (drop > 0) px.TestLogs.RemoveRange(0, drop);
    }

    /// <summary>Gives the kept event its merged JSON and the fields it lacked; returns an order id it gained.</summary>
    private static string? Refresh(PixelState px, int index, byte[] json)
    {
        ref var e = ref px.Events[index];
        px.Events.SetJson(ref e, json);
        using var doc = JsonDocument.Parse(json);
        var meta = WireEventValidator.Validate(doc.RootElement, new List<Reason>());
        string? gained = null;
        if (!e.HasOrderId && meta.OrderId is not null)
        {
            e.HasOrderId = true;
            gained = meta.OrderId;
        }
        if (e.Currency < 0 && meta.Currency is { } cur) e.Currency = Interned.Currencies.Id(cur);
        if (!e.HasValue && meta.Value is { } v)
        {
            e.Value = v;
            e.HasValue = true;
        }
        e.HasMatchKey |= meta.HasMatchKey;
        return gained;
    }

    private void Load(IEventJournal journal)
    {
        InternCache names = default, currencies = default;
        foreach (var j in journal.ReadAll())
        {
            if (Find(j.PixelId) is not { } px) continue;
            using var doc = JsonDocument.Parse(j.Json);
            var meta = WireEventValidator.Validate(doc.RootElement, new List<Reason>());
            if (meta.EventName is null) continue;
            var index = px.Events.Add();
            ref var e = ref px.Events[index];
            e = ToStored(meta, j.ReceivedAtMs, ref names, ref currencies);
            px.Events.SetJson(ref e, j.Json);
            using var ids = new DedupIndex.CandidateIds(meta.DedupId, meta.OrderId);
            px.Dedup.Add(index, ids);
        }
    }

    private sealed class PixelState
    {
        public PixelState(DedupClock clock) => Dedup = new DedupIndex(clock, Events);

        public readonly Lock Gate = new();
        public readonly EventTable Events = new();
        public readonly DedupIndex Dedup;
        public readonly List<TestLogEntry> TestLogs = [];
        public long Received, Invalid, Duplicates;
    }
}
/// <summary>Measurement breakdown values (seed; spec §10, §11.9).</summary>
internal enum ConversionSourceType { Offline, Web, TotalOffPlatform, Total }

internal static class ConversionSourceTypes
{
    public static bool TryParse(string s, out ConversionSourceType t)
    {
        switch (s.Trim().ToLowerInvariant())
        {
            case "offline": t = ConversionSourceType.Offline; return true;
            case "web": t = ConversionSourceType.Web; return true;
            case "total_off_platform": t = ConversionSourceType.TotalOffPlatform; return true;
            case "total": t = ConversionSourceType.Total; return true;
            default: t = default; return false;
        }
    }

    public static string Name(this ConversionSourceType t) => t switch
    {
        ConversionSourceType.Offline => "offline",
        ConversionSourceType.Web => "web",
        ConversionSourceType.TotalOffPlatform => "total_off_platform",
        _ => "total",
    };

    /// <summary><c>total</c> equals <c>total_off_platform</c>: the sandbox has no app or on-platform traffic.</summary>
    public static bool Includes(this ConversionSourceType t, ActionSourceKind kind) => t switch
    {
        ConversionSourceType.Offline => kind == ActionSourceKind.Offline,
        ConversionSourceType.Web => kind == ActionSourceKind.Web,
        _ => kind != ActionSourceKind.Invalid,
    };
}

internal sealed class TypeBreakdown(ConversionSourceType type)
{
    public ConversionSourceType Type { get; } = type;
    public long Total;
    public SortedDictionary<string, long> ByEventName { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, decimal> ValueByCurrency { get; } = new(StringComparer.Ordinal);
}

internal sealed record PixelStats(
    string PixelId, SandboxCounters Counters, SortedDictionary<string, long> ByEventName, double MatchKeyShare,
    IReadOnlyList<TypeBreakdown> Breakdown);
