using System.Collections.Frozen;

namespace Snapconv.Core.Capi;

/// <summary>How an <c>action_source</c> value is classified (spec §4.2).</summary>
public enum ActionSourceKind { Invalid, Offline, Web }

/// <summary>OFFLINE and its aliases, case-insensitive (seed). The client always emits OFFLINE.</summary>
public static class ActionSources
{
    public const string Offline = "OFFLINE";
    public const string Web = "WEB";

    public static readonly FrozenSet<string> OfflineAliases = new[]
    {
        "OFFLINE", "physical_store", "phone_call", "phone", "email", "chat", "system_generated",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The client's rule: missing or an offline alias is OFFLINE; anything else is invalid.</summary>
    public static bool IsOfflineForClient(string? raw)
    {
        if (raw is null) return true;
        var s = raw.Trim();
        return s.Length == 0 || OfflineAliases.Contains(s);
    }

    /// <summary>The sandbox's rule: offline aliases, plus WEB for its own breakdown.</summary>
    public static ActionSourceKind ClassifyForSandbox(string? raw)
    {
        if (raw is null) return ActionSourceKind.Invalid;
        var s = raw.Trim();
        if (OfflineAliases.Contains(s)) return ActionSourceKind.Offline;
        if (string.Equals(s, Web, StringComparison.OrdinalIgnoreCase)) return ActionSourceKind.Web;
        return ActionSourceKind.Invalid;
    }
}
