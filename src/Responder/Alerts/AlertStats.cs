namespace ZtStream.Responder.Alerts;

/// <summary>Alerts raised per time bucket, by severity.</summary>
internal sealed record SeverityBucket(DateTimeOffset Start, int Low, int Medium, int High, int Critical);

internal sealed record NamedCount(string Name, int Count);

/// <summary>The queue's pictures: alerts over time by severity, the top principals and detectors, ATT&amp;CK techniques.</summary>
internal sealed record AlertStats(
    DateTimeOffset Since, DateTimeOffset Until, int BucketSeconds, IReadOnlyList<SeverityBucket> Buckets,
    IReadOnlyList<NamedCount> TopPrincipals, IReadOnlyList<NamedCount> TopDetectors, IReadOnlyList<NamedCount> Techniques);

/// <summary>One evidence event on a principal's activity line; <see cref="ThisAlert"/> marks the alert being viewed.</summary>
internal sealed record ActivityEvent(DateTimeOffset Time, string Kind, string EventId, string AlertId, string Severity, bool ThisAlert);

/// <summary>The principal's alerts and their evidence events over a window ending at the alert's last evidence.</summary>
internal sealed record PrincipalActivity(string Principal, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ActivityEvent> Events, int Alerts);

/// <summary>Aggregates over the stored alerts for the console's charts (SQL beside it, the same in both dialects).</summary>
internal sealed class AlertStatsStore(IStore store)
{
    private const int TopN = 8;
    private const int MaxTechniques = 24;

    public async Task<AlertStats> StatsAsync(DateTimeOffset since, DateTimeOffset until, int bucketSeconds, CancellationToken cancellationToken)
    {
        var bucketMs = bucketSeconds * 1000L;
        var args = new { Since = since.ToUnixTimeMilliseconds(), Until = until.ToUnixTimeMilliseconds(), Bucket = bucketMs };
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<BucketRow>(new CommandDefinition(
            """
            SELECT (first_seen / @Bucket) * @Bucket AS Start, severity AS Severity, COUNT(*) AS Count
            FROM responder_alerts WHERE first_seen >= @Since AND first_seen < @Until
            GROUP BY (first_seen / @Bucket) * @Bucket, severity
            """,
            args,
            cancellationToken: cancellationToken));
        var buckets = new SortedDictionary<long, int[]>();
        for (var start = args.Since / bucketMs * bucketMs; start < args.Until; start += bucketMs)
        {
            buckets[start] = new int[4];
        }

        foreach (var r in rows)
        {
            var rank = Severities.Rank(r.Severity);
            if (rank >= 0 && buckets.TryGetValue(r.Start, out var counts))
            {
                counts[rank] += (int)r.Count;
            }
        }

        var principals = await TopAsync(connection, "principal", args, cancellationToken);
        var detectors = await TopAsync(connection, "detector", args, cancellationToken);
        return new AlertStats(
            since,
            until,
            bucketSeconds,
            [.. buckets.Select(b => new SeverityBucket(DateTimeOffset.FromUnixTimeMilliseconds(b.Key), b.Value[0], b.Value[1], b.Value[2], b.Value[3]))],
            principals,
            detectors,
            await TechniquesAsync(connection, args, cancellationToken));
    }

    /// <summary>The evidence of the principal's alerts that overlap [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public async Task<PrincipalActivity> ActivityAsync(string principal, string alertId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<string>(new CommandDefinition(
            """
            SELECT alert_json FROM responder_alerts
            WHERE principal = @Principal AND last_seen >= @From AND first_seen <= @To
            ORDER BY last_seen DESC, id DESC LIMIT 200
            """,
            new { Principal = principal, From = from.ToUnixTimeMilliseconds(), To = to.ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken));
        var events = new List<ActivityEvent>();
        var alerts = 0;
        foreach (var json in rows)
        {
            var alert = ContractJson.DeserializeAlert(System.Text.Encoding.UTF8.GetBytes(json));
            alerts++;
            foreach (var e in alert.Evidence)
            {
                if (e.Time >= from && e.Time <= to)
                {
                    events.Add(new ActivityEvent(e.Time, e.Kind, e.EventId, alert.Id, alert.Severity, alert.Id == alertId));
                }
            }
        }

        events.Sort((a, b) => a.Time.CompareTo(b.Time));
        return new PrincipalActivity(principal, from, to, events, alerts);
    }

    private static async Task<IReadOnlyList<NamedCount>> TopAsync(System.Data.Common.DbConnection connection, string column, object args, CancellationToken cancellationToken)
    {
        // The column name is one of two constants above, never input.
        var rows = await connection.QueryAsync<CountRow>(new CommandDefinition(
            $"SELECT {column} AS Name, COUNT(*) AS Count FROM responder_alerts WHERE first_seen >= @Since AND first_seen < @Until GROUP BY {column} ORDER BY COUNT(*) DESC, {column} LIMIT {TopN}",
            args,
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new NamedCount(r.Name, (int)r.Count))];
    }

    /// <summary>How many of the period's alerts carry each ATT&amp;CK technique (the heat strip), most first.</summary>
    private static async Task<IReadOnlyList<NamedCount>> TechniquesAsync(System.Data.Common.DbConnection connection, object args, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<CountRow>(new CommandDefinition(
            $"""
            SELECT t.technique AS Name, COUNT(*) AS Count
            FROM responder_alert_techniques t JOIN responder_alerts a ON a.id = t.alert_id
            WHERE a.first_seen >= @Since AND a.first_seen < @Until
            GROUP BY t.technique ORDER BY COUNT(*) DESC, t.technique LIMIT {MaxTechniques}
            """,
            args,
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new NamedCount(r.Name, (int)r.Count))];
    }

    private sealed class BucketRow
    {
        public long Start { get; set; }
        public string Severity { get; set; } = "";
        public long Count { get; set; }
    }

    private sealed class CountRow
    {
        public string Name { get; set; } = "";
        public long Count { get; set; }
    }
}
