using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Snapconv.Cli.Commands;

/// <summary>A listen address that is taken becomes a usage error naming the port (#16), not a stack trace.</summary>
internal static class ListenFailure
{
    /// <summary>Runs <paramref name="start"/>; a taken address becomes <see cref="UsageException"/> naming <paramref name="option"/> and the port.</summary>
    public static async Task<T> StartAsync<T>(string option, string urls, Func<Task<T>> start)
    {
        try
        {
            return await start();
        }
        catch (Exception e) when (IsAddressInUse(e))
        {
            throw new UsageException(InUseMessage(option, urls));
        }
    }

    /// <summary>True when <paramref name="e"/> or one of its inner exceptions says the address is already in use.</summary>
    public static bool IsAddressInUse(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }) return true;
        return false;
    }

    /// <summary>e.g. <c>--urls: port 8787 is already in use (http://127.0.0.1:8787); stop what listens there or pick another port with --urls.</c></summary>
    public static string InUseMessage(string option, string urls)
    {
        var list = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var ports = list.Select(Port).Where(p => p is not null).Distinct().ToList();
        var which = ports.Count == 1 ? $"port {ports[0]} is" : $"one of ports {string.Join(", ", ports)} is";
        return $"{option}: {which} already in use ({string.Join(", ", list)}); stop what listens there or pick another port with {option}.";
    }

    private static string? Port(string url)
    {
        var start = url.IndexOf("://", StringComparison.Ordinal);
        var authority = start < 0 ? url : url[(start + 3)..];
        var slash = authority.IndexOf('/');
        if (slash >= 0) authority = authority[..slash];
        var colon = authority.LastIndexOf(':');
        if (colon >= 0 && colon > authority.LastIndexOf(']')) return authority[(colon + 1)..];
        return url.StartsWith("https", StringComparison.OrdinalIgnoreCase) ? "443" : "80";
    }
}
