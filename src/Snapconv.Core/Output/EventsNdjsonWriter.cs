using System.Text.Json;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Output;

/// <summary>
/// The <c>--events-out</c> file: one exact CAPI v3 event object per line. Written private (0600) through a temporary
/// file that <see cref="Complete"/> renames into place; disposed without it, nothing is left behind.
/// </summary>
public sealed class EventsNdjsonWriter(string path) : IDisposable
{
    private readonly OutputFile _file = new(path, isPrivate: true);
    private Utf8JsonWriter? _writer;

    public void Write(CapiEvent e)
    {
        _writer ??= new Utf8JsonWriter(_file.Stream);
        CapiJsonWriter.Write(_writer, e);
        _writer.Flush();
        _writer.Reset();
        _file.Stream.WriteByte((byte)'\n');
    }

    /// <summary>Puts the complete file in place.</summary>
    public void Complete()
    {
        _writer?.Dispose(); // flushes
        _writer = null;
        _file.Commit();
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _file.Dispose();
    }
}
