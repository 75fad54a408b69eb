using System.Text;
using System.Text.Json;

namespace Snapconv.Delivery.Batching;

/// <summary>
/// The bytes around a request's events (spec §2): <c>{"data":[</c>, the events joined by commas, and <c>]}</c>
/// or <c>],"test_event_code":"…"}</c>. The batcher counts them against the body cap; the sender writes them.
/// </summary>
internal sealed class RequestEnvelope
{
    private static readonly byte[] Prefix = "{\"data\":["u8.ToArray();
    private readonly byte[] _suffix;

    /// <param name="testEventCode">Sent at the request root when set (spec §1).</param>
    public RequestEnvelope(string? testEventCode) =>
        _suffix = string.IsNullOrEmpty(testEventCode)
            ? "]}"u8.ToArray()
            : Encoding.UTF8.GetBytes("],\"test_event_code\":\"" + JsonEncodedText.Encode(testEventCode).ToString() + "\"}");

    /// <summary>Bytes of a request beside its events and their commas.</summary>
    public int Overhead => Prefix.Length + _suffix.Length;

    /// <summary>The body's length for <paramref name="items"/> (one comma counted per event, as the batcher does).</summary>
    public int Length(IReadOnlyList<OutgoingEvent> items)
    {
        var size = Overhead;
        foreach (var e in items) size += e.Json.Length + 1;
        return size;
    }

    /// <summary>Writes the body into <paramref name="body"/> (at least <see cref="Length"/> bytes) and returns its length.</summary>
    public int Write(IReadOnlyList<OutgoingEvent> items, Span<byte> body)
    {
        Prefix.CopyTo(body);
        var pos = Prefix.Length;
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) body[pos++] = (byte)',';
            items[i].Json.Span.CopyTo(body[pos..]);
            pos += items[i].Json.Length;
        }
        _suffix.CopyTo(body[pos..]);
        return pos + _suffix.Length;
    }
}
