namespace ZtStream.Responder.Tests.Actions;

/// <summary>
/// Two responders deciding the same action at once, through the API: the loser is told what the action is now, in a
/// problem document naming the field that decided it (<c>state</c>). Run on
/// SQLite here and on PostgreSQL by <see cref="PostgresActionRaceApiTests"/>, the compare-and-set being the store's.
/// </summary>
public class ActionRaceApiTests
{
    private const int Pairs = 8;

    /// <summary>A Responder on the store this run tests, its isolations released by a driver that succeeds.</summary>
    private protected virtual Task<ResponderTestHost> StartAsync() => new ResponderTestHost().With<IWorkloadIsolator>(new RecordingIsolator()).StartAsync();

    [Fact]
    public async Task Approve_AndReject_AtOnce_OneIsMade_TheOtherIs409NamingStateAndWhoDecided()
    {
        await using var host = await StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var pending = new List<Guid>();
        for (var i = 0; i < Pairs; i++)
        {
            var action = TestActions.Manual(host, ActionKinds.RevokeToken, ActionStates.PendingApproval, minutesAgo: 1) with { Jti = $"jti-race-{i}" };
            await host.Get<ActionStore>().TryInsertAsync(action, Ct);
            pending.Add(action.Id);
        }

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
}

public sealed class PostgresActionRaceApiTests(ZtStream.TestSupport.Services.PostgresFixture postgres) : ActionRaceApiTests
{
    private protected override async Task<ResponderTestHost> StartAsync() =>
        await new ResponderTestHost().With<IWorkloadIsolator>(new RecordingIsolator()).OnPostgres(await postgres.CreateDatabaseAsync(Ct)).StartAsync();
}
