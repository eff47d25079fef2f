namespace ZtStream.Responder.Tests.Alerts;

/// <summary>
/// Open alerts are capped per principal and in total: a new alert past a cap is merged into one "alert flood" alert,
/// kept whole in its history and the audit trail, and not acted on; updates of alerts already stored still go through.
/// </summary>
public sealed class AlertCapTests
{
    [Fact]
    public async Task PastThePerPrincipalCap_NewAlertsMergeIntoThatPrincipalsFloodAlert_NotActedOn_NothingLost()
    {
        await using var host = await new ResponderTestHost(ResponseFlowTests.RevokeCritical).WithSetting("Responder:MaxOpenAlertsPerPrincipal", "3").StartAsync();
        var processor = host.Get<AlertProcessor>();

        for (var i = 0; i < 8; i++)
        {
            await processor.HandleAsync(TestAlerts.Critical($"cap-{i}", principal: "mallory", jti: $"jti-{i}"), Ct);
        }

        await processor.HandleAsync(TestAlerts.Critical("cap-1", principal: "mallory", jti: "jti-1", count: 2), Ct);
        await processor.HandleAsync(TestAlerts.Critical("other-1", principal: "alice"), Ct);

        var store = host.Get<AlertStore>();
        var mallory = await store.QueryAsync(new AlertQuery(Principal: "mallory", Limit: 100), Ct);
        var flood = Assert.Single(mallory, a => a.Alert.Detector == Detectors.Responder);
        Assert.Equal(5, flood.Alert.Count);
        Assert.Equal(AlertProcessor.FloodRule, flood.Alert.Reasons[0].Rule);
        Assert.Contains("mallory already has 3 open alerts", flood.Alert.Reasons[0].Text, StringComparison.Ordinal);
        Assert.Equal(3, mallory.Count(a => a.Alert.Detector != Detectors.Responder));
        Assert.Equal(2, (await store.GetAsync("cap-1", Ct))!.Alert.Count);
        Assert.NotNull(await store.GetAsync("other-1", Ct));

        // Merged alerts are kept, each in the flood alert's history, and audited; none was acted on.
        var history = await store.HistoryAsync(flood.Alert.Id, Ct);
        Assert.Equal(5, history.Count);
        Assert.All(new[] { "cap-3", "cap-4", "cap-5", "cap-6", "cap-7" }, id => Assert.Contains(history, h => h.Detail!.Contains($"merged alert {id}", StringComparison.Ordinal)));
        Assert.Equal(5, (await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.AlertMerged), Ct)).Count);
        Assert.Empty(await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: "cap-5"), Ct));
        Assert.Empty(await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: flood.Alert.Id), Ct));
    }

    /// <summary>
    /// A Kubernetes service account is one principal per cluster (the alert says which, <see cref="Alert.PrincipalCluster"/>):
    /// <c>default</c>'s account in two clusters is two accounts, each with its own cap and its own flood alert, naming its
    /// cluster, as the Verifier counts them.
    /// </summary>
    [Fact]
    public async Task PastThePerPrincipalCap_SameAccountNameInAnotherCluster_CappedApart()
    {
        await using var host = await new ResponderTestHost().WithSetting("Responder:MaxOpenAlertsPerPrincipal", "2").StartAsync();
        var processor = host.Get<AlertProcessor>();
        const string account = "system:serviceaccount:default:default";
        foreach (var cluster in new[] { "prod-eu", "prod-us" })
        {
            for (var i = 0; i < 3; i++)
            {
                await processor.HandleAsync(TestAlerts.Critical($"{cluster}-{i}", principal: account) with { PrincipalCluster = cluster }, Ct);
            }
        }

        var all = await host.Get<AlertStore>().QueryAsync(new AlertQuery(Principal: account, Limit: 100), Ct);
        Assert.Equal(["prod-eu-0", "prod-eu-1", "prod-us-0", "prod-us-1"], all.Where(a => a.Alert.Detector != Detectors.Responder).Select(a => a.Alert.Id).Order(StringComparer.Ordinal));
        var floods = all.Where(a => a.Alert.Detector == Detectors.Responder).Select(a => a.Alert).OrderBy(a => a.PrincipalCluster, StringComparer.Ordinal).ToList();
        Assert.Equal([("prod-eu", 1), ("prod-us", 1)], floods.Select(f => (f.PrincipalCluster, f.Count)));
        Assert.Contains("(cluster prod-us) already has 2 open alerts", floods[1].Reasons[0].Text, StringComparison.Ordinal);
        Assert.NotEqual(floods[0].Id, floods[1].Id);
    }

    [Fact]
    public async Task PastTheTotalCap_AnyNewAlertMergesIntoTheOneInstanceFloodAlert()
    {
        await using var host = await new ResponderTestHost().WithSetting("Responder:MaxOpenAlerts", "4").StartAsync();
        var processor = host.Get<AlertProcessor>();

        for (var i = 0; i < 10; i++)
        {
            await processor.HandleAsync(TestAlerts.Critical($"total-{i}", principal: $"fake-{i}"), Ct);
        }

        var all = await host.Get<AlertStore>().QueryAsync(new AlertQuery(Limit: 100), Ct);
        Assert.Equal(5, all.Count);
        var flood = Assert.Single(all, a => a.Alert.Detector == Detectors.Responder);
        Assert.Equal(("ztstream-responder", 6), (flood.Alert.Principal, flood.Alert.Count));
        Assert.Null(flood.Alert.SubjectId);
    }

    /// <summary>
    /// At-least-once delivery hands a record again when the process died after the merge and before the offset commit:
    /// the same delivery (id and count) is merged once, with one history entry and one audit entry; a later delivery of
    /// the same alert (a higher count) is merged as before.
    /// </summary>
    [Fact]
    public async Task PastTheCap_SameDeliveryHandedAgain_MergedOnce()
    {
        await using var host = await new ResponderTestHost().WithSetting("Responder:MaxOpenAlertsPerPrincipal", "1").StartAsync();
        var processor = host.Get<AlertProcessor>();
        await processor.HandleAsync(TestAlerts.Critical("again-0", principal: "oscar"), Ct);

        for (var delivery = 0; delivery < 3; delivery++)
        {
            await processor.HandleAsync(TestAlerts.Critical("again-1", principal: "oscar", jti: "jti-1"), Ct);
        }

        await processor.HandleAsync(TestAlerts.Critical("again-1", principal: "oscar", jti: "jti-1", count: 2), Ct);
        await processor.HandleAsync(TestAlerts.Critical("again-1", principal: "oscar", jti: "jti-1", count: 2), Ct);

        var store = host.Get<AlertStore>();
        var flood = Assert.Single(await store.QueryAsync(new AlertQuery(Principal: "oscar", Detector: Detectors.Responder), Ct));
        Assert.Equal(2, flood.Alert.Count);
        Assert.Contains("2 more merged here", flood.Alert.Reasons[0].Text, StringComparison.Ordinal);
        Assert.Equal(2, (await store.HistoryAsync(flood.Alert.Id, Ct)).Count);
        Assert.Equal(2, (await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.AlertMerged), Ct)).Count);
    }
}
