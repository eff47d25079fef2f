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

        // A jti is claimed before its events are appended and kept after: a row with pending_until is a delivery in
        // progress (or one that died, once pending_until has passed), one without is a SET whose events are in the log.
        Migration.Portable(Component, 2, "jti claims of deliveries in progress", """
            ALTER TABLE ingest_ssf_jti ADD COLUMN pending_until {time} NULL;
            """),
    ];
}

/// <summary>What <see cref="SsfReceivedStore.ClaimAsync"/> found for a jti.</summary>
internal enum JtiClaim
{
    /// <summary>This delivery holds the jti now: it appends the events, then keeps or releases it.</summary>
    Claimed,

    /// <summary>A delivery of the same SET already put its events in the log: this one is a duplicate.</summary>
    Kept,

    /// <summary>Another delivery of the same SET holds the jti and has not finished.</summary>
    Pending,
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
/// records every SET received — accepted, duplicate or refused — in an append-only table (the receiver's audit). The
/// replay decision is one statement (an insert that only an expired claim lets through), so of two deliveries of one SET
/// at once, in one process or in two replicas, exactly one claims it.
/// </summary>
internal sealed class SsfReceivedStore(IStore store)
{
    public const string Accepted = "accepted";
    public const string Duplicate = "duplicate";
    public const string Rejected = "rejected";
    public const int MaxStoredToken = 16 * 1024;

    // A new jti, or one whose claim expired (its delivery died between claim and keep), is claimed; a kept one or
    // one claimed by a delivery still in progress is left as it is (no row changed). A claim further ahead than
    // @Beyond was not set by this clock as it reads now (the wall clock stepped back since, or the replica that set it
    // ran ahead): it counts as expired, or it would answer "pending" for the length of the step.
    private const string ClaimSql = """
        INSERT INTO ingest_ssf_jti (issuer, jti, received_at, pending_until) VALUES (@Issuer, @Jti, @Now, @Until)
        ON CONFLICT (issuer, jti) DO UPDATE SET received_at = excluded.received_at, pending_until = excluded.pending_until
        WHERE ingest_ssf_jti.pending_until IS NOT NULL
            AND (ingest_ssf_jti.pending_until <= excluded.received_at OR ingest_ssf_jti.pending_until > @Beyond)
        """;

    private const string StateSql = "SELECT pending_until IS NOT NULL FROM ingest_ssf_jti WHERE issuer = @Issuer AND jti = @Jti";

    private const string KeepSql = "UPDATE ingest_ssf_jti SET pending_until = NULL WHERE issuer = @Issuer AND jti = @Jti";

    private const string ReleaseSql = "DELETE FROM ingest_ssf_jti WHERE issuer = @Issuer AND jti = @Jti AND pending_until IS NOT NULL";

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

    /// <summary>
    /// Claims the jti for a delivery that will append its events, for <paramref name="lease"/> (after which a delivery
    /// that died holding it no longer blocks the SET's redelivery); or says that it is kept or held by another delivery.
    /// A claim held until later than <paramref name="now"/> plus twice <paramref name="lease"/> — further ahead than any
    /// claim sets, with a lease of margin for the skew between replicas' clocks — is taken over at once: a wall-clock
    /// step back (or a replica whose clock was ahead) left it, and waiting it out would hold the SET for the step.
    /// </summary>
    public async Task<JtiClaim> ClaimAsync(string issuer, string jti, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var until = now + lease;
        var key = new { Issuer = issuer, Jti = jti, Now = now, Until = until, Beyond = until + lease };
        while (true)
        {
            if (await connection.ExecuteAsync(new CommandDefinition(ClaimSql, key, cancellationToken: cancellationToken)) == 1)
            {
                return JtiClaim.Claimed;
            }

            // Null: the holder released it between the two statements, so claim again.
            var pending = await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(StateSql, key, cancellationToken: cancellationToken));
            if (pending is { } held)
            {
                return held ? JtiClaim.Pending : JtiClaim.Kept;
            }
        }
    }

    /// <summary>Keeps a claimed jti for the replay window: its SET's events are in the log.</summary>
    public async Task KeepAsync(string issuer, string jti, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(KeepSql, new { Issuer = issuer, Jti = jti }, cancellationToken: cancellationToken));
    }

    /// <summary>Gives up a claim whose SET was not kept, so its next delivery is received afresh.</summary>
    public async Task ReleaseAsync(string issuer, string jti, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(ReleaseSql, new { Issuer = issuer, Jti = jti }, cancellationToken: cancellationToken));
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
