using Snapconv.Console.Tests.State;
using Snapconv.State;

namespace Snapconv.Postgres.Tests.State;

// #19: the console's store on PostgreSQL runs the conformance suite the SQLite store runs.
[Collection(PostgresCollection.Name)]
public sealed class PostgresStateStoreConformance(PostgresFixture pg) : StateStoreConformance
{
    protected override Task<IStateStore> OpenEmptyAsync() => Task.FromResult(pg.NewStore().OpenStateStore());
}
