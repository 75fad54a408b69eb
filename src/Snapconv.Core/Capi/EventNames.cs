using System.Collections.Frozen;

namespace Snapconv.Core.Capi;

/// <summary>Snap's standard conversion event names (spec §4.1). One list for client and sandbox.</summary>
public static class EventNames
{
    public const string Purchase = "PURCHASE";
    public const string AddCart = "ADD_CART";
    public const string PageView = "PAGE_VIEW";

    public static readonly FrozenSet<string> All = new[]
    {
        "PURCHASE", "SIGN_UP", "SUBSCRIBE", "START_TRIAL", "RESERVE", "ADD_CART", "ADD_BILLING",
        "START_CHECKOUT", "VIEW_CONTENT", "PAGE_VIEW", "LIST_VIEW", "SEARCH", "SAVE", "ADD_TO_WISHLIST",
        "LOGIN", "SHARE", "INVITE", "RATE", "APP_INSTALL", "APP_OPEN", "AD_CLICK", "AD_VIEW",
        "LEVEL_COMPLETE", "COMPLETE_TUTORIAL", "ACHIEVEMENT_UNLOCKED", "SPENT_CREDITS",
        "CUSTOM_EVENT_1", "CUSTOM_EVENT_2", "CUSTOM_EVENT_3", "CUSTOM_EVENT_4", "CUSTOM_EVENT_5",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> AllIgnoreCase = All.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, string> ClientAliases = new Dictionary<string, string>
    {
        ["ADD_TO_CART"] = AddCart,
        ["SPEND_CREDITS"] = "SPENT_CREDITS",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// The client's reading of an input event name: trimmed, upper-cased, spaces and hyphens as
    /// underscores, with the aliases <c>ADD_TO_CART</c> and <c>SPEND_CREDITS</c>.
    /// </summary>
    /// <returns>false when the name is not one of Snap's; <paramref name="name"/> is then null.</returns>
    public static bool TryNormalizeClient(string raw, out string? name)
    {
        // Fast path, no allocation: the name as Snap spells it, in any case; the same cell instance as a row above, no lookup.
        var memo = t_memo ??= new InstanceMemo();
        if (memo.TryGet(raw, out name)) return true;
        if (AllIgnoreCase.TryGetValue(raw, out var exact))
        {
            memo.Put(raw, exact);
            name = exact;
            return true;
        }
        var s = raw.Trim().ToUpperInvariant().Replace(' ', '_').Replace('-', '_');
        if (All.TryGetValue(s, out var canonical)) { name = canonical; return true; }
        if (ClientAliases.TryGetValue(s, out var alias)) { name = alias; return true; }
        name = null;
        return false;
    }

    /// <summary>The sandbox's reading: exact names in any case, no aliases; returns the upper-case name.</summary>
    public static bool TryNormalizeExact(string raw, out string? name)
    {
        if (AllIgnoreCase.TryGetValue(raw, out _)) { name = raw.ToUpperInvariant(); return true; }
        name = null;
        return false;
    }

    [ThreadStatic] private static InstanceMemo? t_memo;
}
