using System.Net;
using System.Net.Sockets;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Normalization;

/// <summary>
/// The keys sent plain (spec §3): <c>client_ip_address</c> must be a dotted-quad IPv4 or an IPv6 address
/// (else <see cref="Reason.InvalidUserDataField"/>); <c>client_user_agent</c>, <c>sc_click_id</c>,
/// <c>sc_cookie1</c> and <c>lead_id</c> are sent as cleaned (trimmed). Never
/// <see cref="NormalizeStatus.AlreadyHashed"/>.
/// </summary>
public static class PlainValueNormalizer
{
    /// <summary>Normalizes a cleaned (NFC, trimmed, non-empty) value of a plain kind.</summary>
    public static NormalizeResult Normalize(IdentifierKind kind, string cleaned)
    {
        if (kind != IdentifierKind.ClientIpAddress) return NormalizeResult.Ok(cleaned);
        return IsIp(cleaned) ? NormalizeResult.Ok(cleaned) : NormalizeResult.Invalid(Reason.InvalidUserDataField);
    }

    private static bool IsIp(ReadOnlySpan<char> s)
    {
        if (s.Contains(':'))
            return IPAddress.TryParse(s, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        // IPAddress.TryParse also takes "1", "1.2" and octal/hex parts; only a dotted quad is an IPv4 here.
        var parts = 0;
        var value = 0;
        var digits = 0;
        foreach (var c in s)
        {
            if (c == '.')
            {
                if (digits == 0) return false;
                parts++;
                value = 0;
                digits = 0;
                continue;
            }
            if (!char.IsAsciiDigit(c) || digits == 3) return false;
            value = value * 10 + (c - '0');
            digits++;
            if (value > 255) return false;
        }
        return parts == 3 && digits > 0;
    }
}
