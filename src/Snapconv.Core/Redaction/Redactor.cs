using System.Text;
using System.Text.RegularExpressions;

namespace Snapconv.Core.Redaction;

/// <summary>
/// The one sanitiser of secrets in URLs (style rule 10). <see cref="Url"/> replaces the userinfo of a URL
/// (<c>user:password@</c>) and the values of query or fragment parameters that carry secrets (see
/// <see cref="IsSecretParameter"/>) with <see cref="Mask"/>; everything else is kept, so the result names the resource
/// and is a stable identity of it (the same URL with another password gives the same text). <see cref="Text"/> does the
/// same to every URL inside a sentence. Used for every log line, message, report, <c>/jobs</c> answer and state row
/// that may hold a URL.
/// </summary>
public static partial class Redactor
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "***";

    /// <summary>Parameter names (case-insensitive) whose values are secrets, also as the last part of a longer name
    /// (<c>X-Amz-Signature</c>, <c>client_secret</c>, <c>refresh_token</c>).</summary>
    public static readonly IReadOnlySet<string> SecretParameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "password", "pass", "passwd", "pwd", "token", "access_token", "api_key", "apikey", "key", "sig", "signature", "secret",
    };

    /// <summary>True when a query parameter named <paramref name="name"/> carries a secret.</summary>
    public static bool IsSecretParameter(ReadOnlySpan<char> name)
    {
        var decoded = name.Contains('%') ? Uri.UnescapeDataString(name.ToString()) : name.ToString();
        if (SecretParameters.Contains(decoded)) return true;
        var last = decoded.AsSpan()[(decoded.AsSpan().LastIndexOfAny("-_.") + 1)..];
        return last.Length < decoded.Length && SecretParameters.Contains(last.ToString());
    }

    /// <summary>
    /// <paramref name="url"/> with its userinfo and secret parameter values replaced by <see cref="Mask"/>. Works on
    /// the text as written (also with unexpanded <c>${VAR}</c>); text that is not a URL comes back unchanged.
    /// </summary>
    public static string Url(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var authorityStart = scheme < 0 ? 0 : scheme + 3;
        var sb = new StringBuilder(url.Length);
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0) authorityEnd = url.Length;
        var at = scheme < 0 || authorityEnd == authorityStart ? -1 : url.LastIndexOf('@', authorityEnd - 1, authorityEnd - authorityStart);
        if (at >= 0)
        {
            sb.Append(url, 0, authorityStart).Append(Mask).Append(url, at, authorityEnd - at);
        }
        else sb.Append(url, 0, authorityEnd);

        var rest = url.AsSpan(authorityEnd);
        var query = rest.IndexOfAny('?', '#');
        if (query < 0) return sb.Append(rest).ToString();
        sb.Append(rest[..query]);
        rest = rest[query..];
        // Query then fragment: each "name=value" pair whose name carries a secret has its value masked.
        while (rest.Length > 0)
        {
            sb.Append(rest[0]); // '?', '#' or '&'
            rest = rest[1..];
            var end = rest.IndexOfAny('&', '#');
            if (end < 0) end = rest.Length;
            var pair = rest[..end];
            var eq = pair.IndexOf('=');
            if (eq >= 0 && IsSecretParameter(pair[..eq])) sb.Append(pair[..(eq + 1)]).Append(Mask);
            else sb.Append(pair);
            rest = rest[end..];
        }
        return sb.ToString();
    }

    /// <summary><paramref name="text"/> with every URL in it (<c>scheme://…</c>) passed through <see cref="Url"/>.</summary>
    public static string Text(string text) =>
        text.Contains("://", StringComparison.Ordinal) ? UrlInText().Replace(text, m => Url(m.Value)) : text;

    /// <summary>Null-preserving <see cref="Text"/>.</summary>
    public static string? TextOrNull(string? text) => text is null ? null : Text(text);

    [GeneratedRegex(@"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'""<>]+")]
    private static partial Regex UrlInText();
}
