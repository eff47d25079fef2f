namespace ZtStream.Verifier.Tests;

/// <summary>Builds canonical events for tests: a service account in a namespace, with sensible defaults.</summary>
internal static class Events
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private static int next;

    public static AccessEvent Read(
        DateTimeOffset time,
        string principal = "system:serviceaccount:shop:api",
        string resource = "shop/orders",
        string? dataClass = "internal/orders",
        long bytes = 1_000_000,
        string workload = "shop/api-1",
        string outcome = Outcomes.Success,
        string action = "read",
        string kind = EventKinds.AccessData,
        string? resourceType = "table",
        string? ip = "10.1.0.5",
        string? agent = "api/1.0",
        TokenInfo? token = null) => new()
        {
            Id = $"t-{Interlocked.Increment(ref next)}",
            Time = time,
            Kind = kind,
            Subject = new Subject { Id = principal, Type = principal.StartsWith("system:serviceaccount:", StringComparison.Ordinal) ? "service_account" : "user", Tenant = "acme" },
            Workload = workload.Length == 0 ? null : new Workload { Id = workload, Namespace = workload.Split('/')[0] },
            Resource = new ResourceRef { Type = resourceType, Id = resource, DataClass = dataClass },
            Action = action,
            Outcome = outcome,
            Bytes = bytes,
            Network = ip is null ? null : new NetworkInfo { SrcIp = ip },
            UserAgent = agent,
            Token = token,
        };

    /// <summary>
    /// Scores the <see cref="WarmHistory"/> of <paramref name="principal"/> (the default one unless named) into
    /// <paramref name="engine"/>: its baselines are warm, and it is returned.
    /// </summary>
    public static ScoringEngine Warmed(this ScoringEngine engine, string principal = "system:serviceaccount:shop:api", string workload = "shop/api-1") =>
        engine.Scored(WarmHistory(principal, workload));

    /// <summary>Scores <paramref name="events"/> into <paramref name="engine"/> in their order, whatever each scores, and returns it.</summary>
    public static ScoringEngine Scored(this ScoringEngine engine, IEnumerable<AccessEvent> events)
    {
        foreach (var e in events)
        {
            engine.Score(e);
        }

        return engine;
    }

    /// <summary>Two days of hourly, steady reads so every baseline is warm (48 events, all hours active).</summary>
    public static IEnumerable<AccessEvent> WarmHistory(string principal = "system:serviceaccount:shop:api", string workload = "shop/api-1", int hours = 48)
    {
        for (var h = 0; h < hours; h++)
        {
            yield return Read(T0.AddHours(h), principal, resource: $"shop/orders-{h % 4}", bytes: 1_000_000 + (h % 5 * 100_000), workload: workload);
        }
    }
}
