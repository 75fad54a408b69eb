using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Snapconv.Core.Capi;
using Snapconv.Core.Hashing;

namespace Snapconv.Delivery.Ledger;

/// <summary>
/// The ledger's id of an event: the first 16 bytes of SHA-256(<c>pixel \0 EVENT_NAME \0 event_id</c>), Snap's
/// dedup key (spec §8) without storing the id itself (an order id can be sensitive).
/// </summary>
public readonly record struct EventKey(UInt128 Value)
{
    /// <summary>Computes the key of <paramref name="e"/> for <paramref name="pixelId"/>.</summary>
    /// <remarks>
    /// The parts are encoded straight into one buffer (no concatenated string) and hashed with the core's
    /// <see cref="Sha256Hex.HashBytes"/>. The bytes equal UTF-8(<c>pixel + "\0" + name + "\0" + id</c>): the NUL
    /// separators are ASCII, so encoding the parts apart cannot join or split a character.
    /// </remarks>
    public static EventKey For(string pixelId, CapiEvent e)
    {
        var name = e.EventName ?? "";
        var id = e.EventId ?? "";
        var max = Encoding.UTF8.GetMaxByteCount(pixelId.Length + name.Length + id.Length + 2);
        byte[]? rented = null;
        var buffer = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var n = Encoding.UTF8.GetBytes(pixelId, buffer);
            buffer[n++] = 0;
            n += Encoding.UTF8.GetBytes(name, buffer[n..]);
            buffer[n++] = 0;
            n += Encoding.UTF8.GetBytes(id, buffer[n..]);
            Span<byte> hash = stackalloc byte[32];
            Sha256Hex.HashBytes(buffer[..n], hash);
            return new EventKey(BinaryPrimitives.ReadUInt128BigEndian(hash));
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The 16 bytes stored in the ledger.</summary>
    public byte[] ToBytes()
    {
        var b = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(b, Value);
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
