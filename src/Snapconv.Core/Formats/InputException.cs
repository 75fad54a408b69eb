namespace Snapconv.Core.Formats;

/// <summary>Input that cannot be read: the message names the file and, when known, the row and field. Exit code 2.</summary>
public sealed class InputException(string file, string message, long? row = null, string? field = null, Exception? inner = null)
    : Exception(Compose(file, message, row, field), inner)
{
    public string File { get; } = file;
    public long? Row { get; } = row;
    public string? Field { get; } = field;

    private static string Compose(string file, string message, long? row, string? field) =>
        $"{file}{(row is { } r ? $", row {r}" : "")}{(field is { } f ? $", field '{f}'" : "")}: {message}";
}
