using System.Security.Cryptography;
using System.Text;
using Snapconv.Core.Capi;

namespace Snapconv.Delivery.Ledger;

/// <summary>
/// The ledger's id of an event: the first 16 bytes of SHA-256(<c>pixel \0 EVENT_NAME \0 event_id</c>), Snap's
/// dedup key (spec §8) without storing the id itself (an order id can be sensitive).
/// </summary>
public readonly record struct EventKey(UInt128 Value)
{
    /// <summary>Computes the key of <paramref name="e"/> for <paramref name="pixelId"/>.</summary>
    public static EventKey For(string pixelId, CapiEvent e)
    {
        var text = string.Concat(pixelId, "\0", e.EventName, "\0", e.EventId);
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> buffer = max <= 1024 ? stackalloc byte[max] : new byte[max];
        var n = Encoding.UTF8.GetBytes(text, buffer);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(buffer[..n], hash);
        return new EventKey(System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(hash));
    }

    /// <summary>The 16 bytes stored in the ledger.</summary>
    public byte[] ToBytes()
    {
        var b = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(b, Value);
        return b;
    }
}

/// <summary>The delivery state of an event in the ledger.</summary>
public enum LedgerState
{
    /// <summary>Not known, or known and not yet sent.</summary>
    Pending = 0,
    /// <summary>In a request whose answer was not recorded: sent again by the next run (Snap dedups).</summary>
    Sent = 1,
    /// <summary>Snap answered VALID: never sent again.</summary>
    Acknowledged = 2,
    /// <summary>Snap rejected it (it is in that run's rejects file).</summary>
    Rejected = 3,
}
