using Dapper;

namespace ZtStream.Ingest.SharedSignals;

/// <summary>The receiver's tables: the jti replay window and the append-only record of every SET received.</summary>
internal sealed class SsfReceiverMigrations : IMigrationSource
{
    public const string Component = "ingest-ssf";

    public IEnumerable<Migration> Migrations { get; } =
    [
        Migration.Portable(Component, 1, "received SETs and their jti replay window", dialect => """
            CREATE TABLE ingest_ssf_jti (
                issuer      TEXT   NOT NULL,
                jti         TEXT   NOT NULL,
                received_at {time} NOT NULL,
                PRIMARY KEY (issuer, jti)
            );
            CREATE INDEX ingest_ssf_jti_received ON ingest_ssf_jti (received_at);
            CREATE TABLE ingest_ssf_received (
                id          {id},
                received_at {time} NOT NULL,
                delivery    TEXT   NOT NULL,
                source      TEXT   NULL,
                transmitter TEXT   NULL,
                issuer      TEXT   NULL,
                jti         TEXT   NULL,
                event_types TEXT   NULL,
                subject     TEXT   NULL,
                outcome     TEXT   NOT NULL,
                error       TEXT   NULL,
                description TEXT   NULL,
                set_token   TEXT   NOT NULL
            );
            CREATE INDEX ingest_ssf_received_at ON ingest_ssf_received (received_at);

            """ + PortableSql.AppendOnly("ingest_ssf_received", dialect)),
    ];
}

/// <summary>One received SET as the audit keeps it.</summary>
internal sealed record ReceivedSet
{
    public long Id { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }

    /// <summary><c>push</c> or <c>poll</c>.</summary>
    public required string Delivery { get; init; }

    /// <summary>The source key that pushed it.</summary>
    public string? Source { get; init; }

    public string? Transmitter { get; init; }

    public string? Issuer { get; init; }

    public string? Jti { get; init; }

    /// <summary>Event type URIs, space-separated.</summary>
    public string? EventTypes { get; init; }

    public string? Subject { get; init; }

    /// <summary><c>accepted</c>, <c>duplicate</c> or <c>rejected</c>.</summary>
    public required string Outcome { get; init; }

    /// <summary>The RFC 8935 error code of a rejection.</summary>
    public string? Error { get; init; }

    public string? Description { get; init; }

    /// <summary>The SET as received (cut at 16 KiB).</summary>
    public required string SetToken { get; init; }
}

/// <summary>
/// Remembers each SET's <c>(iss, jti)</c> for the replay window, in the store so a restart does not open it again, and
/// records every SET received — accepted, duplicate or refused — in an append-only table (the receiver's audit).
/// </summary>
internal sealed class SsfReceivedStore(IStore store)
{
    public const string Accepted = "accepted";
    public const string Duplicate = "duplicate";
    public const string Rejected = "rejected";
    public const int MaxStoredToken = 16 * 1024;

    private const string SeenSql = "SELECT COUNT(*) FROM ingest_ssf_jti WHERE issuer = @Issuer AND jti = @Jti";

    private const string RememberSql = """
        INSERT INTO ingest_ssf_jti (issuer, jti, received_at) VALUES (@Issuer, @Jti, @Now)
        ON CONFLICT (issuer, jti) DO NOTHING
        """;

    private const string ForgetSql = "DELETE FROM ingest_ssf_jti WHERE received_at < @Before";

    private const string RecordSql = """
        INSERT INTO ingest_ssf_received
            (received_at, delivery, source, transmitter, issuer, jti, event_types, subject, outcome, error, description, set_token)
        VALUES
            (@ReceivedAt, @Delivery, @Source, @Transmitter, @Issuer, @Jti, @EventTypes, @Subject, @Outcome, @Error, @Description, @SetToken)
        """;

    private const string RecentSql = """
        SELECT id AS Id, received_at AS ReceivedAt, delivery AS Delivery, source AS Source, transmitter AS Transmitter,
               issuer AS Issuer, jti AS Jti, event_types AS EventTypes, subject AS Subject, outcome AS Outcome,
               error AS Error, description AS Description, set_token AS SetToken
        FROM ingest_ssf_received
        ORDER BY id DESC
        LIMIT @Limit
        """;

    public async Task<bool> SeenAsync(string issuer, string jti, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(SeenSql, new { Issuer = issuer, Jti = jti }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Remembers the jti; false when it was already remembered (a concurrent delivery of the same SET).</summary>
    public async Task<bool> RememberAsync(string issuer, string jti, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(RememberSql, new { Issuer = issuer, Jti = jti, Now = now }, cancellationToken: cancellationToken)) == 1;
    }

    /// <summary>Forgets jtis received before <paramref name="before"/>: SETs that old are refused by their iat anyway.</summary>
    public async Task<int> ForgetBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(ForgetSql, new { Before = before }, cancellationToken: cancellationToken));
    }

    public async Task RecordAsync(ReceivedSet received, CancellationToken cancellationToken)
    {
        var row = received.SetToken.Length <= MaxStoredToken ? received : received with { SetToken = received.SetToken[..MaxStoredToken] };
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(RecordSql, row, cancellationToken: cancellationToken));
    }

    /// <summary>The most recent received SETs, newest first.</summary>
    public async Task<IReadOnlyList<ReceivedSet>> RecentAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<ReceivedSet>(new CommandDefinition(RecentSql, new { Limit = limit }, cancellationToken: cancellationToken))];
    }
}
