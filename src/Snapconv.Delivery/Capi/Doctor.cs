using System.Text;
using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Hashing;
using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Capi;

/// <summary>One line of <c>snapconv doctor</c>.</summary>
public sealed record DoctorCheck(string Name, bool Ok, string Detail);

/// <summary>The verdict of <see cref="Doctor.CheckAsync"/>.</summary>
/// <param name="Fatal">True when the token or pixel was refused (exit 2).</param>
public sealed record DoctorResult(IReadOnlyList<DoctorCheck> Checks, bool Ok, bool Fatal);

/// <summary>
/// <c>snapconv doctor</c>: one POST to <c>/events/validate</c> with a synthetic test event (nothing recorded),
/// checking that the endpoint answers, the token is accepted and the pixel exists. Never prints the token.
/// </summary>
public static class Doctor
{
    /// <summary>Runs the checks. Only cancellation throws.</summary>
    public static async Task<DoctorResult> CheckAsync(UploadOptions options, TimeProvider clock, CancellationToken ct)
    {
        var o = options with { DryRun = true, Retry = options.Retry with { MaxAttempts = 2, MaxThrottledAttempts = 2 } };
        using var client = new CapiClient(o, clock);
        var checks = new List<DoctorCheck> { new("request", true, "POST " + client.RedactedUrl) };
        var e = new CapiEvent
        {
            EventName = "PAGE_VIEW",
            EventTime = clock.GetUtcNow().ToUnixTimeSeconds(),
            EventId = "snapconv-doctor-" + Guid.NewGuid().ToString("N"),
        };
        e.UserData.Em = [Sha256Hex.Hash("doctor@snapconv.invalid")];
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("data");
            CapiJsonWriter.Write(w, e);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        var r = await client.PostAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
        switch (r.Kind)
        {
            case ResponseKind.Acknowledged:
            case ResponseKind.Invalid:
                checks.Add(new("endpoint", true, $"answered HTTP {r.HttpStatus}"));
                checks.Add(new("token", true, "accepted"));
                checks.Add(new("pixel", true, $"{options.PixelId} accepted"));
                checks.Add(new("validate call", r.Kind == ResponseKind.Acknowledged,
                    r.Kind == ResponseKind.Acknowledged ? "test event VALID" : "test event INVALID: " + (r.Errors.FirstOrDefault()?.Message ?? r.Message)));
                return new DoctorResult(checks, r.Kind == ResponseKind.Acknowledged, false);
            case ResponseKind.Fatal when r.HttpStatus == 403:
                checks.Add(new("endpoint", true, "answered HTTP 403"));
                checks.Add(new("token", true, "known"));
                checks.Add(new("pixel", false, $"{options.PixelId} refused: {r.Message ?? "INVALID_PIXEL_ID"}"));
                return new DoctorResult(checks, false, true);
            case ResponseKind.Fatal:
                checks.Add(new("endpoint", true, "answered HTTP 401"));
                checks.Add(new("token", false, $"refused for pixel {options.PixelId}: {r.Message ?? "Unauthorized"}"));
                return new DoctorResult(checks, false, true);
            case ResponseKind.Transient when r.HttpStatus == 0:
                checks.Add(new("endpoint", false, "unreachable: " + r.Message));
                return new DoctorResult(checks, false, false);
            default:
                checks.Add(new("endpoint", r.HttpStatus is > 0 and < 500, $"answered HTTP {r.HttpStatus}: {r.Message}"));
                return new DoctorResult(checks, false, false);
        }
    }

    /// <summary>Reads the token from a file (first line, trimmed) or an environment variable; never from argv.</summary>
    /// <returns>The token, or null with <paramref name="problem"/> set.</returns>
    public static string? ReadToken(string envName, string? file, out string? problem)
    {
        problem = null;
        if (file is not null)
        {
            if (!File.Exists(file)) { problem = $"--token-file '{file}' does not exist."; return null; }
            var text = File.ReadAllText(file, Encoding.UTF8).Trim();
            if (text.Length == 0) { problem = $"--token-file '{file}' is empty."; return null; }
            return text.Split('\n')[0].Trim();
        }
        var value = Environment.GetEnvironmentVariable(envName)?.Trim();
        if (string.IsNullOrEmpty(value)) { problem = $"no access token: set the environment variable {envName} (or use --token-file FILE)."; return null; }
        return value;
    }
}
