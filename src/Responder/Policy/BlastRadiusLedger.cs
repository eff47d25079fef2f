namespace ZtStream.Responder.Policy;

/// <summary>
/// The blast-radius budget's slots, in the store every Responder instance shares (table <c>responder_budget_slots</c>):
/// an automatic action takes a slot before it is stored. Counting the window and taking the slot happen under one lock
/// across processes (SQLite's write lock, a PostgreSQL advisory lock), so two instances cannot both take the last
/// slot. A slot is kept once taken, whatever becomes of its action: the budget counts what was let through.
/// </summary>
internal sealed class BlastRadiusLedger(IStore store)
{
    /// <summary>Advisory lock key (PostgreSQL): "ztbudget" in ASCII.</summary>
    internal const long LockKey = 0x7a_74_62_75_64_67_65_74;

    private const string Count = "SELECT COUNT(*) FROM responder_budget_slots WHERE taken_at >= @Since";

    // A namespace is counted within its cluster ('' for none, so one text compares null alike in both dialects): a flood
    // about prod in staging must not use up the budget of prod in production.
    private const string CountInNamespace = "SELECT COUNT(*) FROM responder_budget_slots WHERE taken_at >= @Since AND namespace = @Ns AND COALESCE(cluster, '') = @Cluster";

    /// <summary>
    /// Takes a slot for <paramref name="actionId"/> (again without harm); returns null when taken, or why the budget
    /// is exhausted. <paramref name="ns"/> is counted within <paramref name="cluster"/>.
    /// </summary>
    public async Task<string?> TryTakeAsync(Guid actionId, string? ns, string? cluster, DateTimeOffset now, BlastRadiusBudget budget, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        await using var tx = await store.BeginExclusiveAsync(connection, LockKey, cancellationToken);
        var id = actionId.ToString();
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT COUNT(*) FROM responder_budget_slots WHERE action_id = @Id", new { Id = id }, tx, cancellationToken: cancellationToken)) > 0)
        {
            await tx.CommitAsync(cancellationToken);
            return null;
        }

        var since = (now - budget.Window).ToUnixTimeMilliseconds();
        var global = await connection.ExecuteScalarAsync<long>(new CommandDefinition(Count, new { Since = since }, tx, cancellationToken: cancellationToken));
        string? exhausted = null;
        if (global >= budget.MaxAutomatic)
        {
            exhausted = $"{global} automatic actions in the last {budget.Window} reached the global budget of {budget.MaxAutomatic}";
        }
        else if (ns is not null)
        {
            var inNamespace = await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountInNamespace, new { Since = since, Ns = ns, Cluster = cluster ?? "" }, tx, cancellationToken: cancellationToken));
            if (inNamespace >= budget.MaxAutomaticPerNamespace)
            {
                var where = cluster is null ? $"namespace {ns}" : $"namespace {ns} of cluster {cluster}";
                exhausted = $"{inNamespace} automatic actions in {where} in the last {budget.Window} reached the per-namespace budget of {budget.MaxAutomaticPerNamespace}";
            }
        }

        if (exhausted is not null)
        {
            await tx.RollbackAsync(cancellationToken);
            return exhausted;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO responder_budget_slots (action_id, namespace, cluster, taken_at) VALUES (@Id, @Ns, @Cluster, @TakenAt)",
            new { Id = id, Ns = ns, Cluster = cluster, TakenAt = now.ToUnixTimeMilliseconds() },
            tx,
            cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        return null;
    }
}
