using Snapconv.Sources.Ledger;
using Snapconv.TestKit.Ledgers;

namespace Snapconv.Sources.Tests;

// #19: the SQLite source ledger runs the source-ledger contract every implementation runs.
public sealed class SqliteSourceLedgerConformance : SourceLedgerConformance
{
    protected override ISourceLedger Open() => new SourceLedger(TempDir, Clock);
}
