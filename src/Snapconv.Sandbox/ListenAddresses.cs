using System.Net;

namespace Snapconv.Sandbox;

/// <summary>
/// Which listen URLs stay on this machine (#16): the sandbox's inspection endpoints have no authentication, so it
/// listens on loopback only unless <see cref="SandboxOptions.AllowRemote"/> is set.
/// </summary>
public static class ListenAddresses
{
    /// <summary>
    /// True for <c>localhost</c>, 127.0.0.0/8 and <c>[::1]</c>; false for every other host, including the wildcards
    /// <c>0.0.0.0</c>, <c>[::]</c>, <c>*</c> and <c>+</c>, LAN addresses and host names. A URL whose host cannot be
    /// found is not loopback.
    /// </summary>
    public static bool IsLoopback(string url)
    {
        var host = Host(url);
        if (host is null) return false;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }

    /// <summary>True for Kestrel's wildcard hosts <c>*</c> and <c>+</c> (any address), which <see cref="Uri"/> does not parse.</summary>
    public static bool IsWildcard(string url) => Host(url) is "*" or "+";

    /// <summary>The host of <c>scheme://host[:port][/path]</c> without brackets; null when there is none.</summary>
    internal static string? Host(string url)
    {
        var start = url.IndexOf("://", StringComparison.Ordinal);
        if (start < 0) return null;
        var authority = url[(start + 3)..];
        var slash = authority.IndexOf('/');
        if (slash >= 0) authority = authority[..slash];
        var at = authority.LastIndexOf('@');
        if (at >= 0) authority = authority[(at + 1)..];
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']');
            return close > 1 ? authority[1..close] : null;
        }
        var colon = authority.LastIndexOf(':');
        var host = colon >= 0 ? authority[..colon] : authority;
        return host.Length == 0 ? null : host;
    }
}
