using System.IO.Compression;
using Parquet;
using Parquet.Schema;
using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

public sealed class ParquetRecordReaderTests
{
    private static readonly DataField<int> Id = new("id");
    private static readonly DataField<string> Email = new("email");
    private static readonly DateTimeDataField Time = new("event_time", DateTimeFormat.Timestamp, isAdjustedToUTC: true);
    private static readonly DecimalDataField Value = new("value", 10, 2);
    private static readonly DataField<double?> Score = new("score");
    private static readonly DataField<string> Phone = new("phone");
    private static readonly ListField Tags = new("tags", new DataField<string>("element"));

    [Fact]
    public async Task Open_ParquetFile_FlattensHeadersAndFormatsInvariantText()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "events.parquet");
        await WriteSample(path);

        using var reader = RecordReaders.Open(path);

        Assert.Equal(["id", "email", "event_time", "value", "score", "user.phone", "tags"], reader.Headers);
        var rows = FormatFixtures.ReadAll(reader);
        Assert.Equal([1L, 2L, 3L], rows.Select(r => r.Row));
        FormatFixtures.AssertFields(["1", "a@example.com", "2024-12-18T23:24:50.1230000Z", "99.99", "1.5", "+33612345678", "x;y"], rows[0].Fields);
        FormatFixtures.AssertFields(["2", null, "2025-01-01T00:00:00.0000000Z", "0.50", null, null, ""], rows[1].Fields);
        FormatFixtures.AssertFields(["3", "c@example.com", "2025-06-30T12:00:00.0000000Z", "-1.00", "0.1", "0612", "z"], rows[2].Fields);
    }

    [Fact]
    public async Task GetValue_UtcTimestampColumn_ReturnsUtcDateTime()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "events.parquet");
        await WriteSample(path);

        using var reader = RecordReaders.Open(path);
        var typed = Assert.IsAssignableFrom<ITypedRecordReader>(reader);
        Assert.True(typed.Read());

        var time = Assert.IsType<DateTime>(typed.GetValue(2));
        Assert.Equal(DateTimeKind.Utc, time.Kind);
        Assert.Equal(new DateTime(2024, 12, 18, 23, 24, 50, 123, DateTimeKind.Utc), time);
        Assert.Equal(99.99m, typed.GetValue(3));
        Assert.Equal(1, typed.GetValue(0));
    }

    [Fact]
    public async Task Read_SeveralRowGroups_ContinuesRowNumbers()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "groups.parquet");
        var field = new DataField<int>("n");
        await using (var file = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), file))
        {
            for (var g = 0; g < 3; g++)
            {
                using var rg = writer.CreateRowGroup();
                await rg.WriteAsync<int>(field, new[] { g * 10, (g * 10) + 1 }.AsMemory());
            }
        }

        using var reader = RecordReaders.Open(path);
        var rows = FormatFixtures.ReadAll(reader);

        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], rows.Select(r => r.Row));
        Assert.Equal(["0", "1", "10", "11", "20", "21"], rows.Select(r => r.Fields[0]));
    }

    [Fact]
    public async Task Open_GzippedParquetWithUnknownName_DetectsByMagic()
    {
        using var dir = new TempDir();
        var plain = Path.Combine(dir.Path, "events.parquet");
        await WriteSample(plain);
        var gz = Path.Combine(dir.Path, "export.bin.gz");
        await using (var output = File.Create(gz))
        await using (var zip = new GZipStream(output, CompressionLevel.Fastest))
        await using (var input = File.OpenRead(plain))
        {
            await input.CopyToAsync(zip);
        }

        using var reader = RecordReaders.Open(gz);

        Assert.IsType<ParquetRecordReader>(reader);
        Assert.Equal(3, FormatFixtures.ReadAll(reader).Count);
    }

    [Fact]
    public void Open_CorruptParquet_ThrowsInputExceptionNamingFile()
    {
        using var dir = new TempDir();
        var path = dir.File("broken.parquet", "PAR1 this is not really parquet PAR1"u8.ToArray());

        var e = Assert.Throws<InputException>(() => RecordReaders.Open(path));

        Assert.Equal(path, e.File);
        Assert.Null(e.Row);
    }

    [Fact]
    public async Task Open_TruncatedParquet_ThrowsInputException()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "events.parquet");
        await WriteSample(path);
        var bytes = await File.ReadAllBytesAsync(path);
        var cut = dir.File("cut.parquet", bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<InputException>(() => FormatFixtures.ReadAll(RecordReaders.Open(cut)));

        Assert.Equal(cut, e.File);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("s", "s")]
    [InlineData(1.5d, "1.5")]
    [InlineData(-3L, "-3")]
    [InlineData(true, "true")]
    public void ToText_Value_IsInvariant(object? value, string? expected) =>
        Assert.Equal(expected, ParquetRecordReader.ToText(value));

    [Fact]
    public void ToText_DecimalAndDates_AreInvariantAndRoundTrip()
    {
        var culture = Thread.CurrentThread.CurrentCulture;
        try
        {
            Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("fr-FR");
            Assert.Equal("1234.50", ParquetRecordReader.ToText(1234.50m));
            Assert.Equal("2024-01-02T03:04:05.0000000", ParquetRecordReader.ToText(new DateTime(2024, 1, 2, 3, 4, 5)));
            Assert.Equal("2024-01-02", ParquetRecordReader.ToText(new DateOnly(2024, 1, 2)));
            Assert.Equal("AQI=", ParquetRecordReader.ToText(new byte[] { 1, 2 }));
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = culture;
        }
    }

    private static async Task WriteSample(string path)
    {
        var schema = new ParquetSchema(Id, Email, Time, Value, Score, new StructField("user", Phone), Tags);
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, file);
        using var rg = writer.CreateRowGroup();
        await rg.WriteAsync<int>(Id, new[] { 1, 2, 3 }.AsMemory());
        await rg.WriteAsync(Email, new string?[] { "a@example.com", null, "c@example.com" }!);
        await rg.WriteAsync<DateTime>(Time, new[]
        {
            new DateTime(2024, 12, 18, 23, 24, 50, 123, DateTimeKind.Utc),
            new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            new DateTime(2025, 6, 30, 12, 0, 0, DateTimeKind.Utc),
        }.AsMemory());
        await rg.WriteAsync<decimal>(Value, new[] { 99.99m, 0.50m, -1m }.AsMemory());
        await rg.WriteAsync<double>(Score, new double?[] { 1.5, null, 0.1 }.AsMemory());
        await rg.WriteAsync(Phone, new string?[] { "+33612345678", null, "0612" }!);
        // tags: ["x","y"], [], ["z"] — repetition level 0 starts a row.
        await rg.WriteAsync((DataField)Tags.Item, new string?[] { "x", "y", null, "z" }!, new[] { 0, 1, 0, 0 }.AsMemory());
    }
}
