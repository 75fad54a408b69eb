using System.Globalization;
using System.Text;
using Snapconv.Core.Capi;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Output;

/// <summary>
/// <c>preprocess --output x.csv</c>: one row per accepted event with its CAPI fields, identifiers
/// normalized and hashed exactly as they would be sent (several values of a key joined by <c>;</c>),
/// plus the source <c>file</c> and <c>row</c>. Nothing raw, but personal data all the same: written private (0600)
/// through a temporary file that <see cref="Complete"/> renames into place.
/// </summary>
public sealed class PreprocessCsvWriter : IDisposable
{
    public static readonly string[] Columns =
    [
        "event_id", "event_name", "event_time", "action_source", "em", "ph", "madid", "fn", "ln", "ge", "ct", "st",
        "zp", "country", "db", "external_id", "client_ip_address", "client_user_agent", "sc_click_id",
        "value", "currency", "order_id", "event_tag", "content_ids", "num_items", "file", "row",
    ];

    private readonly OutputFile _file;
    private readonly StreamWriter _w;
    private bool _completed;

    public PreprocessCsvWriter(string path)
    {
        _file = new OutputFile(path, isPrivate: true);
        _w = new StreamWriter(_file.Stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        CsvText.WriteRow(_w, Columns);
    }

    public void Write(CapiEvent e, RowRef row)
    {
        var u = e.UserData;
        var c = e.CustomData;
        CsvText.WriteRow(_w,
        [
            e.EventId, e.EventName, e.EventTime.ToString(CultureInfo.InvariantCulture), e.ActionSource,
            Join(u.Em), Join(u.Ph), u.Madid, Join(u.Fn), Join(u.Ln), Join(u.Ge), Join(u.Ct), Join(u.St), Join(u.Zp),
            Join(u.Country), u.Db, u.ExternalId, u.ClientIpAddress, u.ClientUserAgent, u.ScClickId,
            c.Value is { } v ? ValueRules.Format(v) : null, c.Currency, c.OrderId, c.EventTag, Join(c.ContentIds),
            c.NumItems?.ToString(CultureInfo.InvariantCulture), row.File, row.Row.ToString(CultureInfo.InvariantCulture),
        ]);
    }

    private static string? Join(List<string>? values) => values is { Count: > 0 } ? string.Join(';', values) : null;

    /// <summary>Puts the complete file in place.</summary>
    public void Complete()
    {
        _w.Flush();
        _file.Commit();
        _completed = true;
    }

    public void Dispose()
    {
        // Once committed the file is closed: the writer (buffers only, leaveOpen) must not flush into it again.
        if (!_completed) _w.Dispose();
        _file.Dispose();
    }
}
