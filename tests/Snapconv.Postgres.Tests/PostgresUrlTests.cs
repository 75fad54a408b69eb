using Npgsql;

namespace Snapconv.Postgres.Tests;

public sealed class PostgresUrlTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Parse_FullUrl_EveryPart()
    {
        var url = PostgresUrl.Parse("postgresql://snap@db.example.internal:6543/conversions?sslmode=verify-full&schema=snap_prod&connect_timeout_secs=7");
        Assert.Equal("snap", url.User);
        Assert.Equal("db.example.internal", url.Host);
        Assert.Equal(6543, url.Port);
        Assert.Equal("conversions", url.Database);
        Assert.Equal("snap_prod", url.Schema);
        Assert.Equal(SslMode.VerifyFull, url.SslMode);
        Assert.Equal(7, url.ConnectTimeoutSecs);
    }

    [Fact]
    public void Parse_Minimal_DefaultsPortAndSchema()
    {
        var url = PostgresUrl.Parse("postgres://snap@127.0.0.1/postgres");
        Assert.Equal(PostgresUrl.DefaultPort, url.Port);
        Assert.Equal(PostgresUrl.DefaultSchema, url.Schema);
        Assert.Null(url.SslMode);
        Assert.Equal("postgresql://snap@127.0.0.1:5432/postgres", url.ToString());
    }

    [Fact]
    public void Parse_PercentEncodedUserAndDatabase_AndIPv6Host_RoundTrip()
    {
        var url = PostgresUrl.Parse("postgresql://snap%40corp@[::1]:5433/my%20db");
        Assert.Equal("snap@corp", url.User);
        Assert.Equal("::1", url.Host);
        Assert.Equal("my db", url.Database);
        Assert.Equal(url, PostgresUrl.Parse(url.ToString()));
    }

    [Theory]
    [InlineData("postgresql://snap:hunter2@db:5432/app")]
    [InlineData("postgresql://snap:hunter2@@db:5432/app")]
    [InlineData("postgresql://snap:@db/app")]
    public void Parse_UrlWithAPassword_IsRefused_WithoutRepeatingIt(string text)
    {
        var e = Assert.Throws<PostgresUrlException>(() => PostgresUrl.Parse(text));
        Assert.Equal("--store must not hold a password (the URL is printed in logs): give it by reference, in PGPASSWORD, in the file PGPASSFILE names, or in a variable named by --store-password-env.", e.Message);
    }

    [Theory]
    [InlineData("postgresql://snap:hun/ter2@db/app")]
    [InlineData("postgresql://snap:1234/x@db/app")]
    public void Parse_PasswordWithASlash_IsRefused_AndNeverEchoed(string text)
    {
        var e = Assert.Throws<PostgresUrlException>(() => PostgresUrl.Parse(text));
        Assert.DoesNotContain("hun", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("1234", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "--store is empty: give the store as postgresql://USER@HOST:PORT/DB.")]
    [InlineData("mysql://snap@db/app", "--store must be a postgresql:// URL (postgresql://USER@HOST:PORT/DB).")]
    [InlineData("Host=db;Username=snap", "--store must be a postgresql:// URL (postgresql://USER@HOST:PORT/DB).")]
    [InlineData("postgresql://db:5432/app", "--store names no user: give it as postgresql://USER@HOST:PORT/DB.")]
    [InlineData("postgresql://snap@db:5432", "--store names no database (one path segment): give it as postgresql://USER@HOST:PORT/DB.")]
    [InlineData("postgresql://snap@db:5432/a/b", "--store names no database (one path segment): give it as postgresql://USER@HOST:PORT/DB.")]
    [InlineData("postgresql://snap@db:0/app", "--store: the port must be 1-65535.")]
    [InlineData("postgresql://snap@db:99999/app", "--store is not a valid URL: give it as postgresql://USER@HOST:PORT/DB.")]
    [InlineData("postgresql://snap@db/app?sslmode=sometimes", "--store: sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full.")]
    [InlineData("postgresql://snap@db/app?schema=Prod", "--store: schema must be a lower-case name ([a-z_][a-z0-9_]*, at most 63 characters).")]
    [InlineData("postgresql://snap@db/app?schema=a;drop", "--store: schema must be a lower-case name ([a-z_][a-z0-9_]*, at most 63 characters).")]
    [InlineData("postgresql://snap@db/app?connect_timeout_secs=0", "--store: connect_timeout_secs must be a whole number of seconds, 1-600.")]
    [InlineData("postgresql://snap@db/app?password=x", "--store: unknown query key 'password' (known: sslmode, schema, connect_timeout_secs).")]
    [InlineData("postgresql://snap@db/app#frag", "--store must not have a '#' part.")]
    public void Parse_BadUrl_SaysWhichPart(string text, string message)
    {
        Assert.False(PostgresUrl.TryParse(text, out var url, out var error));
        Assert.Null(url);
        Assert.Equal(message, error);
    }

    [Fact]
    public void ToConnectionString_PasswordFromTheNamedVariable_BeforePgPassword()
    {
        var url = PostgresUrl.Parse("postgresql://snap@db:5433/app?sslmode=require&connect_timeout_secs=9");
        var b = new NpgsqlConnectionStringBuilder(url.ToConnectionString("STORE_PW", "node-a", Env(("STORE_PW", "s3cret"), ("PGPASSWORD", "other"))));
        Assert.Equal("s3cret", b.Password);
        Assert.Equal("db", b.Host);
        Assert.Equal(5433, b.Port);
        Assert.Equal("snap", b.Username);
        Assert.Equal("app", b.Database);
        Assert.Equal(SslMode.Require, b.SslMode);
        Assert.Equal(9, b.Timeout);
        Assert.Equal("node-a", b.ApplicationName);
    }

    [Fact]
    public void ToConnectionString_NoVariableNamed_TakesPgPassword_ElsePgPassfile_ElseNothing()
    {
        var url = PostgresUrl.Parse("postgresql://snap@db/app");
        Assert.Equal("pw", new NpgsqlConnectionStringBuilder(url.ToConnectionString(env: Env(("PGPASSWORD", "pw"), ("PGPASSFILE", "/p")))).Password);
        var fromFile = new NpgsqlConnectionStringBuilder(url.ToConnectionString(env: Env(("PGPASSFILE", "/run/secrets/pgpass"))));
        Assert.Null(fromFile.Password);
        Assert.Equal("/run/secrets/pgpass", fromFile.Passfile);
        var none = new NpgsqlConnectionStringBuilder(url.ToConnectionString(env: Env()));
        Assert.Null(none.Password);
        Assert.Null(none.Passfile);
    }

    [Fact]
    public void ToConnectionString_NamedVariableUnset_IsAnError_NamingTheVariable()
    {
        var url = PostgresUrl.Parse("postgresql://snap@db/app");
        var e = Assert.Throws<PostgresUrlException>(() => url.ToConnectionString("STORE_PW", env: Env(("PGPASSWORD", "pw"))));
        Assert.Equal("--store-password-env names STORE_PW, which is not set (or empty): set it to the store's password.", e.Message);
        var bad = Assert.Throws<PostgresUrlException>(() => url.ToConnectionString("hunter2!", env: Env()));
        Assert.DoesNotContain("hunter2", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_NeverHoldsThePassword_WhateverTheEnvironment()
    {
        var url = PostgresUrl.Parse("postgresql://snap@db/app?schema=s1&sslmode=disable");
        _ = url.ToConnectionString(env: Env(("PGPASSWORD", "s3cret")));
        Assert.Equal("postgresql://snap@db:5432/app?sslmode=disable&schema=s1", url.ToString());
    }

    [Fact]
    public void StoreOptions_FromUrl_CarrySchemaNodeAndConnection()
    {
        var url = PostgresUrl.Parse("postgresql://snap@db/app?schema=s1");
        var o = PostgresStoreOptions.From(url, nodeName: "node-7", env: Env(("PGPASSWORD", "pw")));
        Assert.Equal("s1", o.Schema);
        Assert.Equal("node-7", o.NodeName);
        Assert.Equal("pw", new NpgsqlConnectionStringBuilder(o.ConnectionString).Password);
        Assert.Equal($"{Environment.MachineName}:{Environment.ProcessId}", PostgresStoreOptions.DefaultNodeName);
    }
}
