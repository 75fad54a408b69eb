using System.Buffers;
using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Formats;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;
using Snapconv.Sources;

namespace Snapconv.Console.Runtime;

/// <summary>
/// <c>POST /api/preview</c>: the first rows of a job's source as the events and rejects a run would make of them, with
/// the job's mapping, country and time zone. The newest object of the source is fetched into a temporary folder
/// (deleted afterwards); nothing is sent, no ledger or history is written.
/// </summary>
public static class Preview
{
    /// <summary>Builds the preview; problems (keys, source, file) come back as errors, never as exceptions.</summary>
    public static async Task<PreviewResult> RunAsync(JsonElement keys, int rows, string stateDir, string baseDir, TimeProvider clock, CancellationToken ct,
        Func<string, string?>? env = null)
    {
        var (job, errors) = JobKeys.Parse(keys, stateDir, baseDir);
        if (job is null) return new PreviewResult([], [], errors);
        var temp = Path.Combine(Path.GetTempPath(), "snapconv-preview-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(temp);
            await using var source = SourceFactory.Create(job.Source, env);
            var context = new SourceContext(job.Name, null);
            var objects = await source.ListAsync(context, ct).ConfigureAwait(false);
            if (objects.Count == 0) return new PreviewResult([], [], [new FieldError("source", $"{source.Description}: no object to read.")]);
            var newest = objects.OrderByDescending(o => o.Modified ?? DateTimeOffset.MinValue).ThenByDescending(o => o.Key, StringComparer.Ordinal).First();
            var fetched = await source.FetchAsync(newest, Path.Combine(temp, newest.FileName), null, context, ct).ConfigureAwait(false);
            var path = fetched.LocalPath ?? Path.Combine(temp, newest.FileName);
            var conversion = new ConversionOptions
            {
                PixelId = job.PixelId, DefaultCountry = job.DefaultCountry, TimeZone = job.TimeZone, MaxEventAgeDays = job.MaxEventAgeDays,
                Mapping = job.Mapping,
            };
            var events = new List<JsonElement>();
            var rejects = new List<PreviewReject>();
            var seen = 0;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            try
            {
                await foreach (var block in ConversionReader.ReadAsync([path], conversion, clock, new PipelineOptions { BlockSize = rows }, stop.Token).ConfigureAwait(false))
                {
                    foreach (var row in block.Rows)
                    {
                        if (seen++ >= rows) break;
                        if (row.Rejection is { } issue)
                            rejects.Add(new PreviewReject(issue.Row.Row, issue.Field, issue.Reason.Name, issue.Reason.Code, ReasonHints.Fix(issue.Reason.Name)));
                        else if (row.Event is { } e)
                            events.Add(EventJson(e));
                    }
                    if (seen >= rows) break;
                }
            }
            finally
            {
                // The reader's thread stops at once when the preview has its rows.
                await stop.CancelAsync().ConfigureAwait(false);
            }
            return new PreviewResult(events, rejects, []) { Object = newest.Key, Rows = Math.Min(seen, rows) };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new PreviewResult([], [], [new FieldError("source", "the preview was stopped.")]);
        }
        catch (SourceException e)
        {
            return new PreviewResult([], [], [new FieldError("source", e.Message)]);
        }
        catch (InputException e)
        {
            return new PreviewResult([], [], [new FieldError("source", e.Message)]);
        }
        finally
        {
            try { Directory.Delete(temp, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The event as it would be sent, with user_data values that are not SHA-256 digests shown as <c>(set)</c>.</summary>
    internal static JsonElement EventJson(CapiEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) CapiJsonWriter.Write(w, e);
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        var masked = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(masked))
        {
            w.WriteStartObject();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name != "user_data" || p.Value.ValueKind != JsonValueKind.Object) { p.WriteTo(w); continue; }
                w.WriteStartObject("user_data");
                foreach (var u in p.Value.EnumerateObject())
                {
                    w.WritePropertyName(u.Name);
                    Mask(w, u.Value);
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return JsonDocument.Parse(masked.WrittenMemory).RootElement.Clone();
    }

    private static void Mask(Utf8JsonWriter w, JsonElement v)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var x in v.EnumerateArray()) Mask(w, x);
                w.WriteEndArray();
                break;
            case JsonValueKind.String when IsDigest(v.GetString()!):
                v.WriteTo(w);
                break;
            case JsonValueKind.String:
                w.WriteStringValue("(set)");
                break;
            default:
                v.WriteTo(w);
                break;
        }
    }

    private static bool IsDigest(string s) => s.Length == 64 && s.All(char.IsAsciiHexDigit);
}
