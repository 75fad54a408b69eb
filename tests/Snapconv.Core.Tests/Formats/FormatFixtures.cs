using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

/// <summary>Locates <c>samples/data/nasty/</c> and reads whole files through a reader for golden assertions.</summary>
internal static class FormatFixtures
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string Nasty(string name) => Path.Combine(Root.Value, "samples", "data", "nasty", name);

    /// <summary>All rows as (row number, fields) in order.</summary>
    public static List<(long Row, string?[] Fields)> ReadAll(IRecordReader reader)
    {
        var rows = new List<(long, string?[])>();
        while (reader.Read())
        {
            var fields = new string?[reader.Headers.Count];
            for (var i = 0; i < fields.Length; i++)
            {
                fields[i] = reader.GetString(i);
            }

            rows.Add((reader.RowNumber, fields));
        }

        return rows;
    }

    /// <summary>Compares a row's fields (nulls included) element by element.</summary>
    public static void AssertFields(string?[] expected, string?[] actual) =>
        Assert.Equal<string?>(expected.AsEnumerable(), actual.AsEnumerable());

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Snapconv.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Snapconv.slnx not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary directory deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "snapconv-formats-" + Guid.NewGuid().ToString("N"));

    public string File(string relative, string? content = null)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, content ?? "x\n");
        return full;
    }

    public string File(string relative, byte[] content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllBytes(full, content);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
