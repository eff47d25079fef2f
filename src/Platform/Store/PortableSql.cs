namespace ZtStream.Platform.Store;

/// <summary>
/// Schema SQL written once for both dialects. Most of it already reads the same in SQLite and PostgreSQL (TEXT,
/// INTEGER, keys, indexes); the few column types that differ are written as placeholders and rendered as each
/// dialect's own, and the append-only guard, which the two write very differently, is one call.
/// </summary>
internal static partial class PortableSql
{
    // Placeholder, then SQLite's and PostgreSQL's spelling.
    private static readonly (string Placeholder, string Sqlite, string Postgres)[] Types =
    [
        // An auto-numbered 64-bit row id.
        ("{id}", "INTEGER PRIMARY KEY AUTOINCREMENT", "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
        // A point in time: fixed-width UTC ISO-8601 text in SQLite, timestamptz in PostgreSQL.
        ("{time}", "TEXT", "timestamptz"),
        // SQLite's INTEGER is already 64 bits; PostgreSQL's is 32.
        ("{bigint}", "INTEGER", "bigint"),
        ("{bytes}", "BLOB", "bytea"),
        ("{double}", "REAL", "double precision"),
    ];

    /// <summary>The SQL with every placeholder spelled for <paramref name="dialect"/>; an unknown placeholder throws.</summary>
    public static string Render(string sql, StoreDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(sql);
        foreach (var (placeholder, sqlite, postgres) in Types)
        {
            sql = sql.Replace(placeholder, dialect == StoreDialect.Postgres ? postgres : sqlite, StringComparison.Ordinal);
        }

        return Placeholder().Match(sql) is { Success: true } unknown
            ? throw new InvalidOperationException($"Unknown placeholder {unknown.Value} in schema SQL")
            : sql;
    }

    /// <summary>
    /// Refuses every update and delete of <paramref name="table"/>'s rows (an audit record): SQLite by a trigger for
    /// each, PostgreSQL by one trigger over the function <c>{table}_append_only()</c>, which other guards may reuse.
    /// </summary>
    public static string AppendOnly(string table, StoreDialect dialect) => dialect == StoreDialect.Postgres
        ? $$"""
            CREATE FUNCTION {{table}}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{{table}} is append-only'; END $$;
            CREATE TRIGGER {{table}}_no_change BEFORE UPDATE OR DELETE ON {{table}}
            FOR EACH ROW EXECUTE FUNCTION {{table}}_append_only();

            """
        : $"""
            CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;
            CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END;

            """;

    [GeneratedRegex(@"\{[a-z_]+\}")]
    private static partial Regex Placeholder();
}
