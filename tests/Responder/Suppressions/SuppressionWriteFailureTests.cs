namespace ZtStream.Responder.Tests.Suppressions;

/// <summary>
/// A false positive whose status write fails after its suppression was made (the store refuses the verdict's audit
/// entry, so the write's transaction rolls back): the alert keeps its status, and the suppression does not outlive the
/// verdict that was never stored — lifted in the store and for the Verifier, whose last word on it is the lift.
/// Before, only a write refused for a concurrent change undid it; a failed one left the rules switched off.
/// </summary>
public sealed class SuppressionWriteFailureTests
{
    [Fact]
    public async Task FalsePositive_StatusWriteFails_TheSuppressionIsLifted_AndMarkingAgainMakesOne()
    {
        var alert = TestAlerts.Critical("sp-write-fails", "system:serviceaccount:shop:api") with
        {
            Detector = Detectors.Baseline,
            Reasons = [new AlertReason(Detectors.Baseline, "bytes_spike", 70, "read 2.1 GB of internal/orders; 30-day mean 1.2 MB")],
        };
        await using var host = await ResponderTestHost.WithAlertsAsync(new ResponderTestHost().StartAsync(), alert);
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var suppressions = host.Get<SuppressionStore>();
        await host.RefuseAuditEntriesAsync(AuditKinds.Verdict);

        using var failed = await analyst.PostAsJsonAsync("/v1/alerts/sp-write-fails/verdict", new { verdict = "false_positive" }, Ct);

        await HttpProblem.ReadServerErrorAsync(failed, "a verdict that was not stored");
        Assert.Equal(AlertStatuses.Open, (await host.Get<AlertStore>().GetAsync("sp-write-fails", Ct))!.Status);
        var made = Assert.Single(await suppressions.QueryAsync(new SuppressionQuery(AlertId: "sp-write-fails"), Ct));
        Assert.Equal(SuppressionStates.Lifted, made.State);
        Assert.Contains("could not be stored", made.LiftReason, StringComparison.Ordinal);
        var told = host.EventLog.Appended(Topics.Feedback).Select(r => ContractJson.DeserializeFeedback(r.Value.Span)).Where(f => f.SuppressionId == made.Id).ToList();
        Assert.Equal([false, true], told.Select(f => f.Lifted));

        await host.AcceptAuditEntriesAsync();
        using var marked = await analyst.PostAsJsonAsync("/v1/alerts/sp-write-fails/verdict", new { verdict = "false_positive" }, Ct);
        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        Assert.Equal(AlertStatuses.FalsePositive, (await host.Get<AlertStore>().GetAsync("sp-write-fails", Ct))!.Status);
        var active = Assert.Single(await suppressions.QueryAsync(new SuppressionQuery(AlertId: "sp-write-fails"), Ct), s => s.State == SuppressionStates.Active);
        Assert.NotEqual(made.Id, active.Id);
    }

    /// <summary>
    /// A narrowing whose write fails after the Verifier was told of it (the store refuses its audit entry, so the
    /// narrowing rolls back with it): 5xx, the suppression stays as it was, and the Verifier is told it as stored, so it
    /// does not keep applying the narrowing the store never recorded. Before, the narrowed rules were stored without their
    /// audit entry; as the narrowing and its entry are one transaction now, the Verifier must be told again.
    /// </summary>
    [Fact]
    public async Task Narrow_WriteFails_Is5xx_AndTheVerifierIsToldTheSuppressionAsStored()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(new ResponderTestHost().StartAsync(), SuppressionApiTests.TwoReasons("sp-narrow-fails"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var id = await SuppressionApiTests.SuppressAsync(analyst, new { alert_id = "sp-narrow-fails" });
        await host.RefuseAuditEntriesAsync(AuditKinds.SuppressionNarrowed);

        using var failed = await analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { rules = new[] { "baseline/bytes_spike" } }, Ct);

        await HttpProblem.ReadServerErrorAsync(failed, "a narrowing that was not stored");
        var stored = (await host.Get<SuppressionStore>().GetAsync(id, Ct))!;
        Assert.Equal(["baseline/bytes_spike", "baseline/first_resource"], stored.Rules);
        var told = SuppressionApiTests.Feedback(host).Where(f => f.SuppressionId == id).ToList();
        Assert.Equal([2, 1, 2], told.Select(f => f.Rules.Count));
        Assert.Equal(stored.Rules, told[^1].Rules);
        Assert.False(told[^1].Lifted);
        Assert.Empty(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.SuppressionNarrowed), Ct));
        await host.AssertAuditIntactAsync();

        await host.AcceptAuditEntriesAsync();
        using var narrowed = await analyst.PatchAsJsonAsync($"/v1/suppressions/{id}", new { rules = new[] { "baseline/bytes_spike" } }, Ct);
        Assert.Equal(HttpStatusCode.OK, narrowed.StatusCode);
        Assert.Equal(["baseline/bytes_spike"], (await host.Get<SuppressionStore>().GetAsync(id, Ct))!.Rules);
    }

    /// <summary>
    /// A lift whose write fails after the Verifier was told of it: 5xx, the suppression stays active, and the Verifier's
    /// last word on it is the suppression as stored (not lifted). Before, the Verifier kept the lift until the next change.
    /// </summary>
    [Fact]
    public async Task Lift_WriteFails_Is5xx_AndTheVerifierIsToldTheSuppressionAsStored()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(new ResponderTestHost().StartAsync(), SuppressionApiTests.TwoReasons("sp-lift-fails"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var id = await SuppressionApiTests.SuppressAsync(analyst, new { alert_id = "sp-lift-fails" });
        await host.RefuseAuditEntriesAsync(AuditKinds.SuppressionLifted);

        using var failed = await analyst.DeleteAsync($"/v1/suppressions/{id}?reason=export%20retired", Ct);

        await HttpProblem.ReadServerErrorAsync(failed, "a lift that was not stored");
        Assert.Equal(SuppressionStates.Active, (await host.Get<SuppressionStore>().GetAsync(id, Ct))!.State);
        var told = SuppressionApiTests.Feedback(host).Where(f => f.SuppressionId == id).ToList();
        Assert.Equal([false, true, false], told.Select(f => f.Lifted));
        await host.AssertAuditIntactAsync();

        await host.AcceptAuditEntriesAsync();
        Assert.Equal(HttpStatusCode.OK, (await analyst.DeleteAsync($"/v1/suppressions/{id}?reason=export%20retired", Ct)).StatusCode);
        Assert.True(SuppressionApiTests.Feedback(host)[^1].Lifted);
    }

    /// <summary>
    /// A suppression whose creation fails after the Verifier was told of it: 5xx, nothing stored, and the Verifier is told
    /// it lifted, so it does not switch off rules for a suppression the store never had. Before, the row was stored
    /// without its <c>suppression.created</c> entry.
    /// </summary>
    [Fact]
    public async Task Create_WriteFails_Is5xx_AndTheVerifierIsToldItLifted()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(new ResponderTestHost().StartAsync(), SuppressionApiTests.TwoReasons("sp-create-fails"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        await host.RefuseAuditEntriesAsync(AuditKinds.SuppressionCreated);

        using var failed = await analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = "sp-create-fails" }, Ct);

        await HttpProblem.ReadServerErrorAsync(failed, "a suppression that was not stored");
        Assert.Empty(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "sp-create-fails"), Ct));
        Assert.Equal([false, true], SuppressionApiTests.Feedback(host).Select(f => f.Lifted));
        Assert.Single(SuppressionApiTests.Feedback(host).Select(f => f.SuppressionId).Distinct());
    }
}
