using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Snapconv.Core.Pipeline;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.Ledger;
using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Tests.Upload;

/// <summary>The delivery sink runs the shared sink suite on the SQLite ledger, read back as the next run would.</summary>
public sealed class DeliverySinkOnSqliteLedgerConformance : SinkConformance
{
    private readonly ConditionalWeakTable<IDeliveryLedger, Dictionary<EventKey, LedgerState>> _states = [];

    internal override IAcceptedEventSink Create(SinkFixture f) =>
        new DeliverySink(f.Options, f.Ledger, new CapiClient(f.Options, f.Clock, f.Snap), f.Clock, f.Stats, f.Stop);

    internal override IDeliveryLedger CreateLedger() => new SqliteDeliveryLedger(DeliveryHarness.TempDir(), TimeProvider.System);

    internal override LedgerState StateOf(IDeliveryLedger ledger, EventKey key) =>
        _states.GetValue(ledger, l => ReadStates((SqliteDeliveryLedger)l)).GetValueOrDefault(key, LedgerState.Pending);

    private static Dictionary<EventKey, LedgerState> ReadStates(SqliteDeliveryLedger ledger)
    {
        // A second open merges the run's batches into the keyed table, as the next run's open does.
        new SqliteDeliveryLedger(Path.GetDirectoryName(ledger.Path)!, TimeProvider.System).Dispose();
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = ledger.Path, Pooling = false }.ToString());
        db.Open();
        using var c = db.CreateCommand();
        c.CommandText = "SELECT e.key, COALESCE(e.state, b.state) FROM events e JOIN batches b ON b.id = e.batch";
        using var r = c.ExecuteReader();
        var states = new Dictionary<EventKey, LedgerState>();
        while (r.Read())
            states[new EventKey(System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian((byte[])r[0]))] = (LedgerState)r.GetInt64(1);
        return states;
    }
}
