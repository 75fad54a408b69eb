using Snapconv.Delivery.Ledger;
using Snapconv.TestKit.Ledgers;

namespace Snapconv.Delivery.Tests.Ledger;

// #19: the SQLite ledger runs the delivery-ledger contract every implementation runs.
public sealed class SqliteDeliveryLedgerConformance : DeliveryLedgerConformance
{
    protected override IDeliveryLedger Open() => new SqliteDeliveryLedger(TempDir, Clock);
}
