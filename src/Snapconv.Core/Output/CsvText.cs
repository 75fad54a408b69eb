namespace Snapconv.Core.Output;

/// <summary>RFC 4180 field quoting for the files snapconv writes.</summary>
public static class CsvText
{
    public static void WriteField(TextWriter w, string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0 && value[0] != ' ' && value[^1] != ' ')
        {
            w.Write(value);
            return;
        }
        w.Write('"');
        w.Write(value.Replace("\"", "\"\""));
        w.Write('"');
    }

    public static void WriteRow(TextWriter w, IEnumerable<string?> values)
    {
        var first = true;
        foreach (var v in values)
        {
            if (!first) w.Write(',');
            WriteField(w, v);
            first = false;
        }
        w.Write("\r\n");
    }
}
