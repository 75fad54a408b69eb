using Snapconv.Core.Capi;

namespace Snapconv.Core.Mapping;

/// <summary>
/// <c>--event-name NAME</c> (job key <c>event_name</c>): the event of rows that carry none, so a plain sales export
/// becomes PURCHASE events without a mapping file. It is the mapping's <c>event_name</c> constant: a column that has a
/// name still wins, and a blank cell takes this one.
/// </summary>
public static class DefaultEventName
{
    /// <summary>The suggestion the summary prints when every row of a file lacks an event name.</summary>
    public const string Suggestion = "--event-name " + EventNames.Purchase;

    /// <summary>Reads <paramref name="raw"/> as the client reads an event name (any case, spaces or hyphens for underscores, the aliases).</summary>
    /// <returns>false when it is not one of Snap's event names.</returns>
    public static bool TryParse(string raw, out string name)
    {
        var ok = EventNames.TryNormalizeClient(raw, out var canonical);
        name = canonical ?? "";
        return ok;
    }

    /// <summary>The fixed wording of an invalid name, after its option or job key.</summary>
    public static string Invalid(string raw) =>
        $"'{raw}' is not one of Snap's event names (e.g. PURCHASE, SIGN_UP, ADD_CART, START_CHECKOUT, CUSTOM_EVENT_1; see docs/mapping.md).";

    /// <summary><paramref name="spec"/> with <paramref name="name"/> (already parsed) as its <c>event_name</c> constant.</summary>
    public static MappingSpec Apply(MappingSpec spec, string name) =>
        spec with { Constants = new Dictionary<TargetField, string>(spec.Constants) { [TargetField.EventName] = name } };
}
