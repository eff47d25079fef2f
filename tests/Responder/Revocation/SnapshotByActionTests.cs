namespace ZtStream.Responder.Tests.Revocation;

/// <summary>
/// <c>GET /v1/revocations?action_id=</c> over HTTP, on both stores: only that action's entries in force, in the
/// snapshot's shape and at the list's version; a malformed id answers 400 problem+json naming the parameter.
/// </summary>
public abstract class SnapshotByActionContractTests : IDisposable
{
    private readonly TempFolder folder = new();

    /// <summary>The store settings of the dialect under test (a fresh database).</summary>
    protected abstract Task<Dictionary<string, string?>> StoreSettingsAsync();

    public void Dispose()
    {
        folder.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task Snapshot_ByActionId_OnlyThatActionsEntriesInForce_AtTheListsVersion()
    {
        await using var host = await StartAsync();
        var store = host.Get<RevocationStore>();
        var now = host.Time.GetUtcNow();
        Guid both = Guid.NewGuid(), other = Guid.NewGuid(), lifted = Guid.NewGuid();
        await store.AddAsync(new RevocationRequest(both, RevocationStore.JtiEntry, "jti-a", null, null, null, "t", now.AddHours(1)), Ct);
        await store.AddAsync(new RevocationRequest(other, RevocationStore.JtiEntry, "jti-b", null, null, null, "t", now.AddHours(1)), Ct);
        await store.AddAsync(new RevocationRequest(both, RevocationStore.SessionEntry, null, "sid-a", null, null, "t", now.AddHours(1)), Ct);
        var (entry, _) = await store.AddAsync(new RevocationRequest(lifted, RevocationStore.SubjectEntry, null, null, "carol", now, "t", now.AddHours(1)), Ct);
        using (var lift = await host.ClientFor(ResponderTestHost.ResponderToken).PostAsJsonAsync($"/v1/revocations/{entry.Version}/lift", new { reason = "wrong person" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, lift.StatusCode);
        }

        var whole = await host.RevocationSnapshotAsync();
        Assert.Equal(3, whole.Revocations.Count);

        var mine = await host.RevocationSnapshotAsync($"?action_id={both}");
        Assert.Equal(whole.Version, mine.Version);
        Assert.Equal([("jti-a", null), (null, "sid-a")], mine.Revocations.Select(r => (r.Jti, r.SessionId)));
        Assert.All(mine.Revocations, r => Assert.Equal(both.ToString(), r.ActionId));

        // Any spelling of the UUID finds the same entries.
        var upper = await host.RevocationSnapshotAsync($"?action_id={both.ToString("B").ToUpperInvariant()}");
        Assert.Equal(mine.Revocations.Select(r => r.Version), upper.Revocations.Select(r => r.Version));

        Assert.Equal(["jti-b"], (await host.RevocationSnapshotAsync($"?action_id={other}")).Revocations.Select(r => r.Jti));
        Assert.Empty((await host.RevocationSnapshotAsync($"?action_id={lifted}")).Revocations);
        Assert.Empty((await host.RevocationSnapshotAsync($"?action_id={Guid.NewGuid()}")).Revocations);

        // Expired entries leave the filtered snapshot as they leave the whole one.
        host.Time.Advance(TimeSpan.FromHours(2));
        Assert.Empty((await host.RevocationSnapshotAsync($"?action_id={both}")).Revocations);
    }

    [Theory]
    [InlineData("?action_id=not-a-uuid")]
    [InlineData("?action_id=")]
    [InlineData("?action_id=123")]
    [InlineData("?action_id=3f2504e0-4f89-11d3-9a0c-0305e82c3301&action_id=3f2504e0-4f89-11d3-9a0c-0305e82c3302")]
    public async Task Snapshot_MalformedActionId_400ProblemNamingIt(string query)
    {
        await using var host = await StartAsync();

        using var response = await host.ClientFor(ResponderTestHost.FeedToken).GetAsync(RevocationFeed.SnapshotPath + query, Ct);

        Assert.Contains("action_id", (await HttpProblem.ReadAsync(response, HttpStatusCode.BadRequest)).GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_ByActionIdWithoutCredential_401()
    {
        await using var host = await StartAsync();

        using var response = await host.Client.GetAsync($"{RevocationFeed.SnapshotPath}?action_id={Guid.NewGuid()}", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<ResponderTestHost> StartAsync()
    {
        var host = new ResponderTestHost(folder: folder.Path);
        foreach (var (key, value) in await StoreSettingsAsync())
        {
            host.Settings[key] = value;
        }

        return await host.StartAsync();
    }
}

public sealed class SqliteSnapshotByActionTests : SnapshotByActionContractTests
{
    // The host's default: a SQLite file in the test's folder.
    protected override Task<Dictionary<string, string?>> StoreSettingsAsync() => Task.FromResult(new Dictionary<string, string?>());
}

public sealed class PostgresSnapshotByActionTests(PostgresFixture postgres) : SnapshotByActionContractTests
{
    protected override Task<Dictionary<string, string?>> StoreSettingsAsync() => postgres.CreateStoreSettingsAsync(Ct);
}
