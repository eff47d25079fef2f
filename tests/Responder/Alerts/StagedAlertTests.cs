using ZtStream.Responder.Notifications;
using ZtStream.Responder.Tests.Notifications;

namespace ZtStream.Responder.Tests.Alerts;

/// <summary>
/// A staged rule's alert (<see cref="Alert.Staged"/>) in the Responder: stored, listed and filtered like any, judged by
/// analysts like any, never acted on by the response policy — not even by a rule naming the staged rule — nor notified
/// about, and never counted against or merged by the caps of live alerts.
/// </summary>
public sealed class StagedAlertTests
{
    private const string StagedRule = "new-token-export";

    // Every rule here would act on the staged alert were it live: one names its rule, two its severity.
    private const string Policy = """
        rules:
          - name: revoke-on-the-rule
            rule: rule/new-token-export
            action: revoke_token
            mode: automatic
          - name: revoke-critical
            severity: critical
            action: revoke_token
            mode: automatic
          - name: tell-critical
            severity: critical
            action: notify
            mode: automatic
        budget:
          max_automatic: 50
          max_automatic_per_namespace: 50
          window: 1m
        """;

    internal static Alert Staged(string id, string principal, int count = 1)
    {
        var alert = TestAlerts.Critical(id, principal, count: count);
        return alert with
        {
            Staged = true,
            Detector = Detectors.Rule,
            DedupKey = $"{principal}|rule|customers|0|staged",
            Reasons = [new AlertReason(Detectors.Rule, StagedRule, 95, $"New token export: GET http_route /api/export (rule {StagedRule})")],
        };
    }

    [Fact]
    public async Task StagedAlert_StoredAndListed_NeitherActedOnNorNotified_WhileTheLiveOneIs()
    {
        await using var receiver = await NotificationReceiver.StartAsync();
        var host = new ResponderTestHost(Policy) { UseWallClock = true };
        foreach (var (key, value) in NotificationDeliveryTests.Webhook(receiver.Url))
        {
            host.Settings[key] = value;
        }

        await using var started = await host.StartAsync();
        var staged = Staged("al-staged", "ann");
        var live = TestAlerts.Critical("al-live", "ann");

        // The staged alert first, its update, then the live one on the same partition: once the live one is acted on, both
        // staged deliveries were decided on.
        await started.PublishAlertsAsync([staged, staged with { Count = 2 }, live]);
        await Eventually.HoldsAsync(async () => (await started.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: live.Id), Ct)).Count == 2, "the live alert's revocation and notify");
        await Eventually.HoldsAsync(() => Task.FromResult(receiver.Received.Count == 1), "the live alert's notification");

        var stored = (await started.Get<AlertStore>().GetAsync(staged.Id, Ct))!;
        Assert.True(stored.Alert.Staged);
        Assert.Equal(2, stored.Alert.Count);
        Assert.Empty(await started.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: staged.Id), Ct));
        Assert.Empty(await started.Get<NotificationOutbox>().ForAlertAsync(staged.Id, Ct));
        Assert.Equal(live.Id, JsonDocument.Parse(Assert.Single(receiver.Received).Body).RootElement.GetProperty("alert").GetProperty("id").GetString());

        // Asked directly, the notifier says why it queues nothing, and a triage move of the alert notifies no one either.
        Assert.Equal("a staged rule's alert notifies no one", (await started.Get<Notifier>().AlertFiredAsync(staged, "open", null, Ct)).Describe());
        using var analyst = started.ClientFor(ResponderTestHost.AnalystToken);
        (await analyst.PostAsJsonAsync($"/v1/alerts/{staged.Id}/verdict", new { verdict = "true_positive" }, Ct)).EnsureSuccessStatusCode();
        Assert.Equal("true_positive", (await started.Get<AlertStore>().GetAsync(staged.Id, Ct))!.Status);
        Assert.Empty(await started.Get<NotificationOutbox>().ForAlertAsync(staged.Id, Ct));
        Assert.Empty(await started.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: staged.Id), Ct));
    }

    [Fact]
    public async Task ListAlerts_FilteredByStaged_AndABadValueIsAProblemNamingTheField()
    {
        await using var host = await new ResponderTestHost().WithSetting("Responder:ConsumeAlerts", "false").StartAsync();
        var processor = host.Get<AlertProcessor>();
        await processor.HandleAsync(Staged("al-staged-1", "ann"), Ct);
        await processor.HandleAsync(TestAlerts.Critical("al-live-1", "ann"), Ct);
        await processor.HandleAsync(Staged("al-staged-2", "bob"), Ct);
        using var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        async Task<List<string>> ListAsync(string query)
        {
            var page = await analyst.GetFromJsonAsync<JsonElement>($"/v1/alerts{query}", Ct);
            return [.. ResponderTestHost.AlertIds(page).Order(StringComparer.Ordinal)];
        }

        Assert.Equal(["al-live-1", "al-staged-1", "al-staged-2"], await ListAsync(""));
        Assert.Equal(["al-staged-1", "al-staged-2"], await ListAsync("?staged=true"));
        Assert.Equal(["al-live-1"], await ListAsync("?staged=false"));
        Assert.Equal(["al-staged-1"], await ListAsync("?staged=true&principal=ann"));
        var listed = await analyst.GetFromJsonAsync<JsonElement>("/v1/alerts?staged=true&principal=bob", Ct);
        Assert.True(listed.GetProperty("items")[0].GetProperty("alert").GetProperty("staged").GetBoolean());

        foreach (var bad in new[] { "yes", "1", "TRUE", "maybe" })
        {
            using var response = await analyst.GetAsync($"/v1/alerts?staged={bad}", Ct);
            var problem = (await HttpProblem.ReadAsync(response, HttpStatusCode.BadRequest, bad)).GetRawText();
            Assert.Contains("\"staged\"", problem, StringComparison.Ordinal);
            Assert.Contains("must be one of true, false", problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task StagedAlerts_CountAgainstNoCapOfLiveAlerts_NorAreMergedIntoAFlood()
    {
        await using var host = await new ResponderTestHost()
            .WithSetting("Responder:ConsumeAlerts", "false")
            .WithSetting("Responder:MaxOpenAlertsPerPrincipal", "2")
            .StartAsync();
        var processor = host.Get<AlertProcessor>();
        var store = host.Get<AlertStore>();

        for (var i = 0; i < 4; i++)
        {
            await processor.HandleAsync(Staged($"al-staged-{i}", "ann"), Ct);
        }

        await processor.HandleAsync(TestAlerts.Critical("al-live-1", "ann"), Ct);
        await processor.HandleAsync(TestAlerts.Critical("al-live-2", "ann"), Ct);

        // Four staged alerts stored as themselves, and both live ones: the cap of 2 counted only the live.
        for (var i = 0; i < 4; i++)
        {
            Assert.True((await store.GetAsync($"al-staged-{i}", Ct))!.Alert.Staged);
        }

        Assert.NotNull(await store.GetAsync("al-live-1", Ct));
        Assert.NotNull(await store.GetAsync("al-live-2", Ct));
        Assert.DoesNotContain(await store.QueryAsync(new AlertQuery(Limit: 50), Ct), a => a.Alert.RaisedBy is not null);
        Assert.Equal((2L, 2L), await store.OpenCountsAsync("ann", null, Ct));
    }
}
