using System.Buffers;
using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Output;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Ledger;

namespace Snapconv.Delivery.Batching;

/// <summary>
/// Serializes an accepted event once, into a shared chunk, with its ledger key. One writer (the pipeline's);
/// not thread-safe.
/// </summary>
internal sealed class EventSerializer(string pixelId) : IDisposable
{
    private const int ChunkSize = 64 * 1024;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private Utf8JsonWriter? _writer;
    private byte[] _chunk = [];
    private int _chunkUsed;

    /// <summary>The event as it will be sent, keyed for the ledger, with its origin.</summary>
    public OutgoingEvent Serialize(CapiEvent e, RowRef row, InputFile? file, string?[]? fields)
    {
        _buffer.ResetWrittenCount();
        if (_writer is null) _writer = new Utf8JsonWriter(_buffer);
        else _writer.Reset(_buffer);
        CapiJsonWriter.Write(_writer, e);
        _writer.Flush();
        return new OutgoingEvent(EventKey.For(pixelId, e), Store(_buffer.WrittenSpan), row, file, fields);
    }

    /// <summary>
    /// Copies an event's JSON into the current chunk (64 KiB, below the large-object heap) instead of an array
    /// per event. Chunks are never reused: the GC frees one when no event slices it any more, so a split or a
    /// bisection can hold slices as long as it needs.
    /// </summary>
    private ReadOnlyMemory<byte> Store(ReadOnlySpan<byte> json)
    {
        if (json.Length > _chunk.Length - _chunkUsed)
        {
            _chunk = new byte[Math.Max(ChunkSize, json.Length)];
            _chunkUsed = 0;
        }
        json.CopyTo(_chunk.AsSpan(_chunkUsed));
        var slice = new ReadOnlyMemory<byte>(_chunk, _chunkUsed, json.Length);
        _chunkUsed += json.Length;
        return slice;
    }

    public void Dispose() => _writer?.Dispose();
}
