using Snapconv.Core.Redaction;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.Upload;

namespace Snapconv.Console.Runtime;

/// <summary><c>POST /api/connection-test</c>: the checks of <c>snapconv doctor</c> (one validate call, nothing recorded).</summary>
public static class ConnectionTest
{
    /// <summary>Runs doctor's checks. The token is read from its reference and never returned.</summary>
    public static async Task<ConnectionTestResult> RunAsync(ConnectionTestRequest request, TimeProvider clock, CancellationToken ct)
    {
        var errors = new List<FieldError>();
        Uri? endpoint = null;
        var ep = string.IsNullOrWhiteSpace(request.Endpoint) ? UploadOptions.DefaultEndpoint : request.Endpoint.Trim();
        if (!Uri.TryCreate(ep, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https"))
            errors.Add(new FieldError("endpoint", "must be an absolute http(s) URL, e.g. https://tr.snapchat.com."));
        if (string.IsNullOrWhiteSpace(request.PixelId)) errors.Add(new FieldError("pixel_id", "required."));
        string? token = null;
        if (!string.IsNullOrWhiteSpace(request.TokenEnv) || !string.IsNullOrWhiteSpace(request.TokenFile) || errors.Count == 0)
        {
            var env = string.IsNullOrWhiteSpace(request.TokenEnv) ? Snapconv.Delivery.Upload.UploadOptions.DefaultTokenEnv : request.TokenEnv.Trim();
            token = Doctor.ReadToken(env, string.IsNullOrWhiteSpace(request.TokenFile) ? null : request.TokenFile.Trim(), out var problem);
            if (token is null)
                errors.Add(new FieldError(request.TokenFile is { Length: > 0 } ? "token_file" : "token_env",
                    (problem ?? "no token.").Replace("--token-file", "token_file", StringComparison.Ordinal)));
        }
        if (errors.Count > 0 || token is null || endpoint is null) return new ConnectionTestResult(false, [], errors);
        var result = await Doctor.CheckAsync(new UploadOptions { Endpoint = endpoint, PixelId = request.PixelId!.Trim(), Token = token }, clock, ct)
            .ConfigureAwait(false);
        // Doctor's lines carry the redacted URL only; Redactor once more so no answer can hold the token.
        return new ConnectionTestResult(result.Ok,
            result.Checks.Select(c => new ConnectionCheck(c.Name, c.Ok, Redactor.Text(c.Detail).Replace(token, "[redacted]", StringComparison.Ordinal))).ToList(), []);
    }
}
