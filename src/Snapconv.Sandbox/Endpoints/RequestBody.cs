namespace Snapconv.Sandbox.Endpoints;

/// <summary>Reads a request body into one exact-size array (stored events slice it; no copy per event).</summary>
internal static class RequestBody
{
    /// <summary>The sandbox answers 413 above 16 MiB (spec §7).</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    /// <summary>The body, or null when it exceeds <see cref="MaxBytes"/>.</summary>
    /// <exception cref="EndOfStreamException">The body ended before its Content-Length.</exception>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is { } length)
        {
            if (length > MaxBytes) return null;
            // Filled completely by ReadExactlyAsync (or dropped when it throws): no need to zero 1–2 MB first.
            var buffer = GC.AllocateUninitializedArray<byte>((int)length);
            await request.Body.ReadExactlyAsync(buffer, ct);
            return buffer;
        }
        using var ms = new MemoryStream();
        var chunk = new byte[81_920];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (ms.Length + n > MaxBytes) return null;
            ms.Write(chunk, 0, n);
        }
        return ms.ToArray();
    }
}
