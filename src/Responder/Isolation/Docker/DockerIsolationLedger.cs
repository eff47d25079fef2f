namespace ZtStream.Responder.Isolation.Docker;

/// <summary>A recorded isolation: the container and the networks it was taken off.</summary>
internal sealed record DockerIsolation(Guid ActionId, string ContainerId, IReadOnlyList<AttachedNetwork> Networks, DateTimeOffset IsolatedAt, DateTimeOffset? ReleasedAt);

/// <summary>
/// Remembers which networks an isolation disconnected, durably, before it disconnects them: release must put
/// back exactly those, after any restart.
/// </summary>
internal sealed class DockerIsolationLedger(IStore store)
{
    private const string Columns = """
        action_id AS ActionId, container_id AS ContainerId, networks_json AS NetworksJson, isolated_at AS IsolatedAt, released_at AS ReleasedAt
        """;

    private const string InsertSql = """
        INSERT INTO responder_docker_isolations (action_id, container_id, networks_json, isolated_at)
        VALUES (@ActionId, @ContainerId, @NetworksJson, @IsolatedAt)
        ON CONFLICT (action_id) DO NOTHING
        """;

    private const string ByActionSql = $"""
        SELECT {Columns} FROM responder_docker_isolations WHERE action_id = @ActionId
        """;

    private const string ActiveSql = $"""
        SELECT {Columns} FROM responder_docker_isolations
        WHERE container_id = @ContainerId AND released_at IS NULL
        ORDER BY isolated_at
        LIMIT 1
        """;

    private const string ReleasedSql = """
        UPDATE responder_docker_isolations SET released_at = @ReleasedAt WHERE action_id = @ActionId AND released_at IS NULL
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<bool> RecordAsync(DockerIsolation isolation, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            InsertSql,
            new
            {
                ActionId = isolation.ActionId.ToString(),
                isolation.ContainerId,
                NetworksJson = JsonSerializer.Serialize(isolation.Networks, Json),
                isolation.IsolatedAt,
            },
            cancellationToken: cancellationToken));
        return inserted == 1;
    }

    public async Task<DockerIsolation?> GetAsync(Guid actionId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(ByActionSql, new { ActionId = actionId.ToString() }, cancellationToken: cancellationToken));
        return row?.ToIsolation();
    }

    /// <summary>The container's isolation that has not been released, if any.</summary>
    public async Task<DockerIsolation?> ActiveForAsync(string containerId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<Row>(new CommandDefinition(ActiveSql, new { ContainerId = containerId }, cancellationToken: cancellationToken));
        return row?.ToIsolation();
    }

    public async Task MarkReleasedAsync(Guid actionId, DateTimeOffset releasedAt, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(ReleasedSql, new { ActionId = actionId.ToString(), ReleasedAt = releasedAt }, cancellationToken: cancellationToken));
    }

    private sealed record Row
    {
        public required string ActionId { get; init; }

        public required string ContainerId { get; init; }

        public required string NetworksJson { get; init; }

        public required DateTimeOffset IsolatedAt { get; init; }

        public DateTimeOffset? ReleasedAt { get; init; }

        public DockerIsolation ToIsolation() => new(
            Guid.Parse(ActionId),
            ContainerId,
            JsonSerializer.Deserialize<List<AttachedNetwork>>(NetworksJson, Json) ?? [],
            IsolatedAt,
            ReleasedAt);
    }
}
