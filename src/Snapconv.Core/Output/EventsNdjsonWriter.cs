using System.Text.Json;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Output;

/// <summary>The <c>--events-out</c> file: one exact CAPI v3 event object per line.</summary>
public sealed class EventsNdjsonWriter(string path) : IDisposable
{
    private readonly FileStream _stream = new(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
    private Utf8JsonWriter? _writer;

    public void Write(CapiEvent e)
    {
        _writer ??= new Utf8JsonWriter(_stream);
        CapiJsonWriter.Write(_writer, e);
        _writer.Flush();
        _writer.Reset();
        _stream.WriteByte((byte)'\n');
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _stream.Dispose();
    }
}
