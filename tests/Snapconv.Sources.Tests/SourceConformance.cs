using System.IO.Compression;
using System.Text;
using Snapconv.Core.Formats;
using Snapconv.Sources.Ledger;
using Snapconv.Sources.Staging;

namespace Snapconv.Sources.Tests;

/// <summary>Counts fetches, to prove delivered objects are not read again.</summary>
internal sealed class CountingSource(ISource inner) : ISource
{
    public int Fetches;
    public int Bodies;
    public string Description => inner.Description;
    public Task<IReadOnlyList<SourceObject>> ListAsync(SourceContext context, CancellationToken ct) => inner.ListAsync(context, ct);
    public async Task<FetchResult> FetchAsync(SourceObject obj, string destination, string? previousVersion, SourceContext context, CancellationToken ct)
    {
        Fetches++;
        var r = await inner.FetchAsync(obj, destination, previousVersion, context, ct);
        if (!r.NotModified) Bodies++;
        return r;
    }
    public Task CommitAsync(SourceObject obj, FetchResult fetched, SourceContext context, CancellationToken ct) => inner.CommitAsync(obj, fetched, context, ct);
    public ValueTask DisposeAsync() => inner.DisposeAsync();
}

/// <summary>
/// The shared suite every object source runs (style rule 11): new objects are read once, delivered ones are not read
/// again, a changed one is reported and re-read, a half-delivered one resumes, and gzip objects reach the core reader.
/// </summary>
public abstract class SourceConformance : IDisposable
{
    protected readonly string State = Path.Combine(Path.GetTempPath(), "snapconv-src-" + Guid.NewGuid().ToString("N")[..10]);

    /// <summary>False for a source that is one object (HTTP URL, SQL query).</summary>
    protected virtual bool ManyObjects => true;
    /// <summary>False for a source whose objects are never compressed files (a SQL query's result).</summary>
    protected virtual bool GzipObjects => true;
    /// <summary>
    /// True for a source that cannot tell an unchanged object without reading it (a SQL query without a cursor runs
    /// again and its result is compared by hash): it then reads the body again, but still stages nothing.
    /// </summary>
    protected virtual bool ReadsAgainToCompare => false;
    /// <summary>The file name an object put as <paramref name="key"/> is staged under. Default: the key.</summary>
    protected virtual string StagedName(string key) => key;
    /// <summary>The bytes staged for an object put with <paramref name="content"/>. Default: the same bytes.</summary>
    protected virtual byte[] AsStaged(byte[] content) => content;
    /// <summary>Skips when the server is missing.</summary>
    protected abstract void Require();
    /// <summary>Creates or replaces an object.</summary>
    protected abstract Task PutAsync(string key, byte[] content);
    /// <summary>A source over the objects <see cref="PutAsync"/> writes (pattern <c>*.csv*</c>).</summary>
    protected abstract ISource Create();

    protected static byte[] Csv(int rows, string tag = "x")
    {
        var sb = new StringBuilder("email,value\n");
        for (var i = 0; i < rows; i++) sb.Append($"{tag}{i}@example.com,{i}\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private async Task<StagingResult> StageAsync(CountingSource source, SourceLedger ledger, string job = "job") =>
        await new SourceStaging(source, ledger, job, Path.Combine(State, "staging")).StageAsync(null, CancellationToken.None);

    private static Task CommitAsync(CountingSource source, SourceLedger ledger, StagingResult r, string job = "job") =>
        new SourceStaging(source, ledger, job, "unused").CommitAsync(r, null, CancellationToken.None);

    [SkippableFact]
    public async Task Stage_NewObjects_ReadOnce_DeliveredOnesNotReadAgain()
    {
        Require();
        // A source that is one object (an HTTP URL) runs the same rule over its one object.
        string[] names = ManyObjects ? ["a.csv", "b.csv"] : ["a.csv"];
        await PutAsync("a.csv", Csv(3, "a"));
        if (ManyObjects)
        {
            await PutAsync("b.csv", Csv(2, "b"));
            await PutAsync("ignored.txt", Csv(1));
        }
        using var ledger = new SourceLedger(State, TimeProvider.System);
        await using var source = new CountingSource(Create());

        var first = await StageAsync(source, ledger);
        Assert.Equal(names.Select(StagedName), first.Staged.Select(s => s.Object.FileName));
        Assert.All(first.Staged, s => Assert.Equal(ObjectChange.New, s.Change));
        Assert.Equal(AsStaged(Csv(3, "a")), File.ReadAllBytes(first.Staged[0].Path));
        await CommitAsync(source, ledger, first);
        SourceStaging.Cleanup(first.Staged);
        var bodies = source.Bodies;

        var second = await StageAsync(source, ledger);
        Assert.Empty(second.Staged);
        Assert.Equal(names.Length, second.Skipped);
        if (!ReadsAgainToCompare) Assert.Equal(bodies, source.Bodies); // nothing downloaded again
        Assert.Empty(second.Warnings);

        if (!ManyObjects) return;
        await PutAsync("c.csv", Csv(1, "c"));
        var third = await StageAsync(source, ledger);
        Assert.Equal(["c.csv"], third.Staged.Select(s => s.Object.FileName));
        SourceStaging.Cleanup(third.Staged);
    }

    [SkippableFact]
    public async Task Stage_ChangedObject_ReportedAsWarning_AndReadAgain()
    {
        Require();
        await PutAsync("sales.csv", Csv(2, "s"));
        using var ledger = new SourceLedger(State, TimeProvider.System);
        await using var source = new CountingSource(Create());
        var first = await StageAsync(source, ledger);
        await CommitAsync(source, ledger, first);
        SourceStaging.Cleanup(first.Staged);
        await Task.Delay(1100); // FTP's MDTM and HTTP's Last-Modified have one-second resolution

        await PutAsync("sales.csv", Csv(4, "s"));
        var second = await StageAsync(source, ledger);
        var staged = Assert.Single(second.Staged);
        Assert.Equal(ObjectChange.Changed, staged.Change);
        var warning = Assert.Single(second.Warnings);
        Assert.Contains(StagedName("sales.csv"), warning);
        Assert.Contains("changed", warning);
        Assert.Equal(AsStaged(Csv(4, "s")), File.ReadAllBytes(staged.Path));
        SourceStaging.Cleanup(second.Staged);
    }

    [SkippableFact]
    public async Task Stage_HalfDeliveredObject_ResumesUntilCommitted()
    {
        Require();
        await PutAsync("half.csv", Csv(5, "h"));
        using var ledger = new SourceLedger(State, TimeProvider.System);
        await using var source = new CountingSource(Create());
        var first = await StageAsync(source, ledger);
        SourceStaging.Cleanup(first.Staged); // the run stopped before its events settled: no commit

        var second = await StageAsync(source, ledger);
        Assert.Equal(ObjectChange.Resumed, Assert.Single(second.Staged).Change);
        Assert.Equal(ObjectState.Pending, Assert.Single(ledger.All("job")).State);
        await CommitAsync(source, ledger, second);
        SourceStaging.Cleanup(second.Staged);
        Assert.Equal(ObjectState.Delivered, Assert.Single(ledger.All("job")).State);
        Assert.Empty((await StageAsync(source, ledger)).Staged);
    }

    [SkippableFact]
    public async Task Stage_GzipObject_KeepsItsName_AndTheCoreReadsIt()
    {
        Require();
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(Csv(7, "g"));
        // A source whose objects are never compressed files (a SQL query's result) stages plain CSV the core reads.
        await PutAsync(GzipObjects ? "rows.csv.gz" : "rows.csv", GzipObjects ? ms.ToArray() : Csv(7, "g"));
        using var ledger = new SourceLedger(State, TimeProvider.System);
        await using var source = new CountingSource(Create());
        var r = await StageAsync(source, ledger);
        var staged = Assert.Single(r.Staged);
        Assert.EndsWith(GzipObjects ? ".csv.gz" : ".csv", staged.Path);
        var head = new byte[2];
        using (var file = File.OpenRead(staged.Path)) file.ReadExactly(head);
        Assert.Equal(GzipObjects, head[0] == 0x1f && head[1] == 0x8b);
        using (var reader = RecordReaders.Open(staged.Path))
        {
            var n = 0;
            while (reader.Read()) n++;
            Assert.Equal(7, n);
        }
        SourceStaging.Cleanup(r.Staged);
    }

    [SkippableFact]
    public async Task Ledger_HoldsIdentitiesOnly_NeverContent()
    {
        Require();
        await PutAsync("pii.csv", Csv(3, "secretperson"));
        using var ledger = new SourceLedger(State, TimeProvider.System);
        await using var source = new CountingSource(Create());
        var r = await StageAsync(source, ledger);
        await CommitAsync(source, ledger, r);
        SourceStaging.Cleanup(r.Staged);
        ledger.Dispose();
        var bytes = Directory.GetFiles(State, "sources.db*").SelectMany(File.ReadAllBytes).ToArray();
        Assert.DoesNotContain("secretperson", Encoding.Latin1.GetString(bytes));
    }

    [SkippableFact]
    public async Task Companion_ExcludedFromStaging_NeverInTheLedger_NewestHasAModifiedTime()
    {
        Require();
        if (!ManyObjects)
        {
            // A one-object source (an HTTP URL) has no companions: excluding its one object stages nothing.
            await PutAsync("a.csv", Csv(2));
            using var single = new SourceLedger(State, TimeProvider.System);
            await using var one = Create();
            var only = Assert.Single(await one.ListAsync(new SourceContext("job", null), CancellationToken.None));
            var none = await new SourceStaging(one, single, "job", Path.Combine(State, "staging")) { ExcludeKeys = new HashSet<string> { only.Key } }
                .StageAsync(null, CancellationToken.None);
            Assert.Empty(none.Staged);
            Assert.Null(single.Find("job", only.Key));
            return;
        }
        await PutAsync("deals.csv", Csv(2));
        await PutAsync("contacts.csv", Csv(2, "c"));
        using var ledger = new SourceLedger(State, TimeProvider.System);
        await using var source = Create();
        var listed = await source.ListAsync(new SourceContext("job", null), CancellationToken.None);
        Assert.All(listed, o => Assert.NotNull(o.Modified));
        var contacts = listed.Single(o => o.Key.EndsWith("contacts.csv", StringComparison.Ordinal));
        Assert.Equal(contacts, SourceStaging.Newest([contacts with { Modified = contacts.Modified!.Value.AddDays(-1) }, contacts]));
        var staging = new SourceStaging(source, ledger, "job", Path.Combine(State, "staging")) { ExcludeKeys = new HashSet<string> { contacts.Key } };
        var r = await staging.StageAsync(null, CancellationToken.None);
        var staged = Assert.Single(r.Staged);
        Assert.EndsWith("deals.csv", staged.Object.Key, StringComparison.Ordinal);
        var (path, temporary) = await SourceStaging.FetchCompanionAsync(source, contacts, Path.Combine(State, "staging"), new SourceContext("job", null), CancellationToken.None);
        Assert.Equal(Csv(2, "c"), File.ReadAllBytes(path));
        if (temporary) File.Delete(path);
        await staging.CommitAsync(r, null, CancellationToken.None);
        SourceStaging.Cleanup(r.Staged);
        Assert.Null(ledger.Find("job", contacts.Key));
    }

    public virtual void Dispose()
    {
        try { Directory.Delete(State, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}

public class SourceStagingNewestTests
{
    [Fact]
    public void Newest_LatestModified_ThenGreatestKey_UnknownTimesLast()
    {
        var t = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal("b", SourceStaging.Newest([new("a", 1, null, t.AddHours(1)), new("b", 1, null, t.AddHours(2)), new("c", 1, null)])!.Key);
        Assert.Equal("c-2026-11-02", SourceStaging.Newest([new("c-2026-11-01", 1, null, t), new("c-2026-11-02", 1, null, t)])!.Key);
        Assert.Null(SourceStaging.Newest([]));
    }
}
