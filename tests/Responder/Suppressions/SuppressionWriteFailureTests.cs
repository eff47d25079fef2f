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

        Assert.True((int)failed.StatusCode >= 500, $"a verdict that was not stored is not answered {failed.StatusCode}");
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
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
}
