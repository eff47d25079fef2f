namespace ZtStream.Responder.Tests.Actions;

/// <summary>
/// Two responders deciding the same action at once, through the API: the loser is told what the action is now, in a
/// problem document naming the field that decided it (<c>state</c>), and a release asked twice is one release. Run on
/// SQLite here and on PostgreSQL by <see cref="PostgresActionRaceApiTests"/>, the compare-and-set being the store's.
/// </summary>
public class ActionRaceApiTests
{
    private const int Pairs = 8;

    /// <summary>A Responder on the store this run tests, its isolations released by <paramref name="isolator"/> (null: a driver that succeeds).</summary>
    private protected virtual Task<ResponderTestHost> StartAsync(IWorkloadIsolator? isolator = null) =>
        new ResponderTestHost().With(isolator ?? new RecordingIsolator()).StartAsync();

    /// <summary>The ids of <see cref="Pairs"/> manual actions of <paramref name="kind"/> in <paramref name="state"/>, each made its own by <paramref name="own"/> (given its index), stored.</summary>
    private static async Task<List<Guid>> StoredAsync(ResponderTestHost host, string kind, string state, Func<ActionRecord, int, ActionRecord> own)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < Pairs; i++)
        {
            ids.Add((await host.StoreAsync(own(TestActions.Manual(host, kind, state, minutesAgo: 1), i))).Id);
        }

        return ids;
    }

    [Fact]
    public async Task Approve_AndReject_AtOnce_OneIsMade_TheOtherIs409NamingStateAndWhoDecided()
    {
        await using var host = await StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var pending = await StoredAsync(host, ActionKinds.RevokeToken, ActionStates.PendingApproval, (a, i) => a with { Jti = $"jti-race-{i}" });

        foreach (var id in pending)
        {
            var answers = await Task.WhenAll(
                responder.PostAsync($"/v1/actions/{id}/approve", null, Ct),
                responder.PostAsJsonAsync($"/v1/actions/{id}/reject", new { reason = "a test token" }, Ct));

            var won = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
            var decided = (await won.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("state").GetString();
            Assert.Contains(decided, new[] { ActionStates.Queued, ActionStates.Rejected });
            var refused = await HttpProblem.ReadAsync(answers.Single(a => a != won), HttpStatusCode.Conflict);
            var error = Assert.Single(refused.GetProperty("errors").EnumerateArray());
            Assert.Equal((0, "state"), (error.GetProperty("index").GetInt32(), error.GetProperty("field").GetString()));

            // What the winner made of it, not the pending action the loser read: its command may have run on since.
            Assert.Matches($"is ({decided}|{ActionStates.Dispatched}|{ActionStates.Done}|{ActionStates.Failed}) ", error.GetProperty("reason").GetString());
            Assert.Contains("by rex", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Contains("pending_approval", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// An isolation released by two responders at once: one release, and both are answered with it, as a release asked
    /// of an isolation already releasing is. Before, the one whose write lost was a 409 saying the isolation was still
    /// active — the state it read before the other's release committed.
    /// </summary>
    [Fact]
    public async Task Release_TwiceAtOnce_IsOneRelease_AndBothAreAnsweredWithIt()
    {
        await using var host = await StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var isolations = await StoredAsync(host, ActionKinds.IsolateWorkload, ActionStates.Active, (a, i) => a with { WorkloadId = $"shop/cart-{i}", Namespace = "shop" });

        foreach (var id in isolations)
        {
            var answers = await Task.WhenAll(
                responder.PostAsJsonAsync($"/v1/actions/{id}/release", new { reason = "fixed" }, Ct),
                responder.PostAsJsonAsync($"/v1/actions/{id}/release", new { reason = "fixed too" }, Ct));

            var releases = new List<Guid>();
            foreach (var answer in answers)
            {
                Assert.True(answer.StatusCode == HttpStatusCode.OK, $"release answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync(Ct)}");
                releases.Add((await answer.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid());
            }

            var release = Assert.Single(await host.Get<ActionStore>().QueryAsync(new ActionQuery(Kind: ActionKinds.ReleaseWorkload, Limit: 1000), Ct), r => r.IsolationActionId == id);
            Assert.Equal([release.Id, release.Id], releases);
            Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(ActionId: id.ToString(), Kind: AuditKinds.ReleaseRequested), Ct));
        }
    }

    /// <summary>
    /// A release whose driver kept failing puts the isolation back in force, "so a responder can try the release again":
    /// the second release is carried out. Before, it was answered with the first, failed release (an isolation's release
    /// has one id) and nothing was sent, so the isolation stayed "releasing" — the workload cut off — for good.
    /// </summary>
    [Fact]
    public async Task Release_AfterAFailedRelease_IsCarriedOut()
    {
        var isolator = new ReleaseFailingIsolator();
        await using var host = await StartAsync(isolator);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var isolation = await host.StoreAsync(TestActions.Manual(host, ActionKinds.IsolateWorkload, ActionStates.Active, minutesAgo: 1) with { WorkloadId = "shop/cart-9", Namespace = "shop" });

        using (var first = await responder.PostAsJsonAsync($"/v1/actions/{isolation.Id}/release", new { reason = "fixed" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await Eventually.HoldsAsync(async () => (await host.Get<ActionStore>().GetAsync(isolation.Id, Ct))!.Error is not null, "the failed release put the isolation back");
        Assert.Equal(ActionStates.Active, await host.StateOfAsync(isolation.Id));

        isolator.FailReleases = false;
        using (var again = await responder.PostAsJsonAsync($"/v1/actions/{isolation.Id}/release", new { reason = "the network API is back" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Equal(ActionStates.Queued, (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("state").GetString());
        }

        await host.UntilStateAsync(isolation.Id, ActionStates.Released);
        await host.UntilStateAsync(ActionRecord.DeterministicId("release", isolation.Id.ToString()), ActionStates.Done);
        Assert.Equal(2, (await host.Get<AuditLog>().QueryAsync(new AuditQuery(ActionId: isolation.Id.ToString(), Kind: AuditKinds.ReleaseRequested), Ct)).Count);
    }

    /// <summary>An isolator whose releases fail while <see cref="FailReleases"/>.</summary>
    private sealed class ReleaseFailingIsolator : IWorkloadIsolator
    {
        public volatile bool FailReleases = true;

        public string Name => "release-failing";

        public Task<DriverResult> IsolateAsync(IsolateWorkload command, CancellationToken cancellationToken) =>
            Task.FromResult(new DriverResult(true, $"isolated {command.WorkloadId}"));

        public Task<DriverResult> ReleaseAsync(ReleaseWorkload command, CancellationToken cancellationToken) =>
            FailReleases ? throw new InvalidOperationException("the network API answered 503") : Task.FromResult(new DriverResult(true, $"released {command.WorkloadId}"));
    }
}

public sealed class PostgresActionRaceApiTests(ZtStream.TestSupport.Services.PostgresFixture postgres) : ActionRaceApiTests
{
    private protected override async Task<ResponderTestHost> StartAsync(IWorkloadIsolator? isolator = null) =>
        await new ResponderTestHost().With(isolator ?? new RecordingIsolator()).OnPostgres(await postgres.CreateDatabaseAsync(Ct)).StartAsync();
}
