namespace ZtStream.Platform.Tests.Store;

public sealed class PortableSqlTests
{
    [Fact]
    public void Render_SpellsEveryPlaceholderInTheDialect_AndLeavesTheRestAlone()
    {
        const string Sql = "CREATE TABLE t (id {id}, at {time} NOT NULL, n {bigint} NULL, b {bytes}, r {double}, c TEXT DEFAULT '{}');";

        Assert.Equal(
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, n INTEGER NULL, b BLOB, r REAL, c TEXT DEFAULT '{}');",
            PortableSql.Render(Sql, StoreDialect.Sqlite));
        Assert.Equal(
            "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz NOT NULL, n bigint NULL, b bytea, r double precision, c TEXT DEFAULT '{}');",
            PortableSql.Render(Sql, StoreDialect.Postgres));
    }

    [Fact]
    public void Render_UnknownPlaceholder_Throws_NamingIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Migration.Portable("c", 1, "typo", "CREATE TABLE t (at {timestamp} NOT NULL);"));

        Assert.Contains("{timestamp}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Portable_AsksTheDialectPartOfEach()
    {
        var migration = Migration.Portable("c", 3, "guarded", dialect => "CREATE TABLE t (id {id});\n" + PortableSql.AppendOnly("t", dialect));

        Assert.Equal(("c", 3, "guarded"), (migration.Component, migration.Version, migration.Name));
        Assert.StartsWith("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);", migration.Sqlite, StringComparison.Ordinal);
        Assert.Contains("CREATE TRIGGER t_no_update BEFORE UPDATE ON t", migration.Sqlite, StringComparison.Ordinal);
        Assert.DoesNotContain("plpgsql", migration.Sqlite, StringComparison.Ordinal);
        Assert.StartsWith("CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);", migration.Postgres, StringComparison.Ordinal);
        Assert.Contains("EXECUTE FUNCTION t_append_only()", migration.Postgres, StringComparison.Ordinal);
    }
}
