using Dapper;

namespace ZtStream.Verifier.State;

/// <summary>A partition's saved state and the offset of the first record it does not include.</summary>
internal sealed record PartitionCheckpoint(long NextOffset, long EventsScored, byte[] State);

/// <summary>Checkpoints and models in the store (same SQL on SQLite and PostgreSQL: both speak ON CONFLICT).</summary>
internal sealed class CheckpointStore(IStore store, TimeProvider time)
{
    public async Task SaveAsync(string group, string topic, int partition, PartitionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        const string sql = """
            INSERT INTO verifier_checkpoints (consumer_group, topic, partition_id, next_offset, events_scored, state, updated_at_ms)
            VALUES (@group, @topic, @partition, @next, @events, @state, @now)
            ON CONFLICT (consumer_group, topic, partition_id) DO UPDATE SET
                next_offset = excluded.next_offset,
                events_scored = excluded.events_scored,
                state = excluded.state,
                updated_at_ms = excluded.updated_at_ms
            """;
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(sql, new
        {
            group,
            topic,
            partition,
            next = checkpoint.NextOffset,
            events = checkpoint.EventsScored,
            state = checkpoint.State,
            now = time.GetUtcNow().ToUnixTimeMilliseconds(),
        }, cancellationToken: cancellationToken));
    }

    public async Task<PartitionCheckpoint?> LoadAsync(string group, string topic, int partition, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT next_offset AS NextOffset, events_scored AS EventsScored, state AS State
            FROM verifier_checkpoints
            WHERE consumer_group = @group AND topic = @topic AND partition_id = @partition
            """;
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<CheckpointRow>(new CommandDefinition(sql, new { group, topic, partition }, cancellationToken: cancellationToken));
        return row is null ? null : new PartitionCheckpoint(row.NextOffset, row.EventsScored, row.State);
    }

    public async Task SaveModelAsync(ModelSnapshot model, CancellationToken cancellationToken)
    {
        const string sql = """
            INSERT INTO verifier_models (version, trained_at, samples, threshold, model)
            VALUES (@version, @trainedAt, @samples, @threshold, @model)
            ON CONFLICT (version) DO UPDATE SET
                trained_at = excluded.trained_at, samples = excluded.samples, threshold = excluded.threshold, model = excluded.model
            """;
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(sql, new
        {
            version = model.Version,
            trainedAt = model.TrainedAt.ToString("O", CultureInfo.InvariantCulture),
            samples = model.Samples,
            threshold = (double)model.Threshold,
            model = model.Bytes,
        }, cancellationToken: cancellationToken));
    }

    public async Task<ModelSnapshot?> LatestModelAsync(CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT version AS Version, trained_at AS TrainedAt, samples AS Samples, threshold AS Threshold, model AS Model
            FROM verifier_models ORDER BY version DESC LIMIT 1
            """;
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ModelRow>(new CommandDefinition(sql, cancellationToken: cancellationToken));
        return row is null
            ? null
            : new ModelSnapshot((int)row.Version, DateTimeOffset.Parse(row.TrainedAt, CultureInfo.InvariantCulture), (int)row.Samples, row.Model) { Threshold = (float)row.Threshold };
    }

    /// <summary>Parks evicted principals' states (serialised <see cref="Baselines.PrincipalState"/>), replacing any earlier ones, in one transaction.</summary>
    public async Task ParkAsync(string group, IReadOnlyList<(string Principal, byte[] State)> principals, CancellationToken cancellationToken)
    {
        const string sql = """
            INSERT INTO verifier_parked_principals (consumer_group, principal, state, parked_at_ms)
            VALUES (@group, @principal, @state, @now)
            ON CONFLICT (consumer_group, principal) DO UPDATE SET state = excluded.state, parked_at_ms = excluded.parked_at_ms
            """;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            sql, principals.Select(p => new { group, principal = p.Principal, state = p.State, now }), tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
    }

    /// <summary>The parked state of <paramref name="principal"/>, or null.</summary>
    public async Task<byte[]?> ParkedAsync(string group, string principal, CancellationToken cancellationToken)
    {
        const string sql = "SELECT state FROM verifier_parked_principals WHERE consumer_group = @group AND principal = @principal";
        await using var connection = await store.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<byte[]?>(new CommandDefinition(sql, new { group, principal }, cancellationToken: cancellationToken));
    }

    /// <summary>Forgets parked states older than <paramref name="before"/> (their baselines have decayed away); returns how many parked states are left.</summary>
    public async Task<long> PruneParkedAsync(string group, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM verifier_parked_principals WHERE consumer_group = @group AND parked_at_ms < @before",
            new { group, before = before.ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken));
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM verifier_parked_principals WHERE consumer_group = @group", new { group }, cancellationToken: cancellationToken));
    }

    private sealed class CheckpointRow
    {
        public long NextOffset { get; set; }

        public long EventsScored { get; set; }

        public byte[] State { get; set; } = [];
    }

    private sealed class ModelRow
    {
        public long Version { get; set; }

        public string TrainedAt { get; set; } = "";

        public long Samples { get; set; }

        public double Threshold { get; set; }

        public byte[] Model { get; set; } = [];
    }
}
