using Snapconv.Core.Capi;

namespace Snapconv.Core.Dedup;

/// <summary>
/// Snap's deduplication windows (seed; spec §8): PURCHASE with a transaction id 30 days,
/// ADD_CART and PAGE_VIEW 1 second, other events 48 hours.
/// </summary>
public static class DedupWindows
{
    public static readonly TimeSpan PurchaseWithTransaction = TimeSpan.FromDays(30);
    public static readonly TimeSpan Standard = TimeSpan.FromHours(48);
    public static readonly TimeSpan ShortLived = TimeSpan.FromSeconds(1);

    public static TimeSpan For(string eventName, bool hasTransactionId) => eventName switch
    {
        EventNames.Purchase when hasTransactionId => PurchaseWithTransaction,
        EventNames.AddCart or EventNames.PageView => ShortLived,
        _ => Standard,
    };
}
