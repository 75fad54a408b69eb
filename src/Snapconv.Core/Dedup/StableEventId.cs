using System.Text;
using Snapconv.Core.Capi;
using Snapconv.Core.Hashing;

namespace Snapconv.Core.Dedup;

/// <summary>
/// The id an event without a source event id or order id leaves with (spec §8): SHA-256 of
/// <c>v1|{pixel}|{EVENT_NAME}|{event_time}|{em}|{ph}|{madid}|{external_id}|{value}|{currency}</c>,
/// with em/ph as sorted hashes joined by ','. The same row gives the same id on every run.
/// </summary>
public static class StableEventId
{
    [ThreadStatic] private static StringBuilder? t_builder;

    public static string Compute(string pixelId, CapiEvent e)
    {
        var sb = t_builder ??= new StringBuilder(256);
        sb.Clear();
        sb.Append("v1|").Append(pixelId).Append('|').Append(e.EventName).Append('|').Append(e.EventTime).Append('|');
        AppendSorted(sb, e.UserData.Em);
        sb.Append('|');
        AppendSorted(sb, e.UserData.Ph);
        sb.Append('|').Append(e.UserData.Madid).Append('|').Append(e.UserData.ExternalId).Append('|');
        if (e.CustomData.Value is { } v) sb.Append(ValueRules.Format(v));
        sb.Append('|').Append(e.CustomData.Currency);
        // Hashed from the builder's chunks without making a string of them.
        return sb.Length <= 1024 ? HashSmall(sb) : Sha256Hex.Hash(sb.ToString());
    }

    private static string HashSmall(StringBuilder sb)
    {
        Span<char> buf = stackalloc char[sb.Length];
        sb.CopyTo(0, buf, sb.Length);
        return Sha256Hex.Hash(buf);
    }

    private static void AppendSorted(StringBuilder sb, List<string>? values)
    {
        if (values is not { Count: > 0 }) return;
        if (values.Count == 1) { sb.Append(values[0]); return; }
        var sorted = values.ToArray();
        Array.Sort(sorted, StringComparer.Ordinal);
        sb.AppendJoin(',', sorted);
    }
}
