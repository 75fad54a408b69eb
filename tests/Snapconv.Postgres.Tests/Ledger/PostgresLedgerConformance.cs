using Snapconv.Delivery.Ledger;
using Snapconv.Sources.Ledger;
using Snapconv.TestKit.Ledgers;

namespace Snapconv.Postgres.Tests.Ledger;

// #19: the PostgreSQL ledgers run the same contracts as the SQLite ones, racing sessions included.
[Collection(PostgresCollection.Name)]
public sealed class PostgresDeliveryLedgerConformance(PostgresFixture pg) : SharedDeliveryLedgerConformance
{
    private readonly Lazy<PostgresStore> _store = new(() => pg.NewStore());
    protected override void Require() => pg.Require();
    protected override IDeliveryLedger Open() => _store.Value.OpenDeliveryLedger(Clock);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSourceLedgerConformance(PostgresFixture pg) : SharedSourceLedgerConformance
{
    private readonly Lazy<PostgresStore> _store = new(() => pg.NewStore());
    protected override void Require() => pg.Require();
    protected override ISourceLedger Open() => _store.Value.OpenSourceLedger(Clock);
}
