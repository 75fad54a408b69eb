using Snapconv.Postgres;

namespace Snapconv.Postgres.Tests;

// #17: the store's options validated by their attributes, errors named by key; the connection string is never shown.
public class PostgresStoreOptionsTests
{
    [Fact]
    public void Validate_Defaults_ValidWithAConnectionString()
    {
        var o = new PostgresStoreOptions { ConnectionString = "Host=127.0.0.1;Password=secret" };
        Assert.Equal((PostgresUrl.DefaultSchema, true), (o.Schema, o.NodeName.Contains(':', StringComparison.Ordinal)));
        Assert.Empty(o.Validate());
    }

    [Fact]
    public void Validate_BlankConnectionAndBadSchema_FullTextWithoutTheConnectionString()
    {
        var errors = new PostgresStoreOptions { ConnectionString = " ", Schema = "Bad-Name" }.Validate().Select(e => e.ToString());
        Assert.Equal(
        [
            "connection_string: required.",
            "schema: must be a lower-case name ([a-z_][a-z0-9_]*, at most 63 characters) (was 'Bad-Name').",
        ], errors);
    }
}
