using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;

namespace ZtStream.Responder.Tests.Console.SignIn;

/// <summary>
/// Console sessions and the Data Protection key ring, on both stores: what one Responder writes another reads (a
/// restart, a second replica), a session removed or expired is gone whatever its cookie says, and keys made by one
/// key ring protect what another key ring on the same store unprotects. A session ends at the latest
/// <c>MaxSessionLifetime</c> after sign-in however active, and an admin can list sessions and end a user's.
/// </summary>
public abstract class ConsoleSessionStoreContractTests : IAsyncLifetime
{
    private const string AdminToken = "admin-token-0123456789abcdef0123456789abc";

    private ResponderTestHost host = null!;

    /// <summary>The store settings of the dialect under test (a fresh database).</summary>
    protected abstract Task<Dictionary<string, string?>> StoreSettingsAsync();

    public async ValueTask InitializeAsync()
    {
        host = new ResponderTestHost(null, new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero)))
            .WithSetting("Responder:Sso:Authority", "http://127.0.0.1:9/never-asked")
            .WithSetting("Responder:Sso:ClientId", "console")
            .WithSetting("Responder:Sso:RequireHttpsMetadata", "false")
            .WithSetting("Responder:ApiTokens:3:Name", "ada")
            .WithSetting("Responder:ApiTokens:3:Role", "admin")
            .WithSetting("Responder:ApiTokens:3:Token", AdminToken);
        foreach (var (key, value) in await StoreSettingsAsync())
        {
            host.Settings[key] = value;
        }

        await host.StartAsync();
    }

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    /// <summary>The store as another Responder on the same database would have it.</summary>
    private ConsoleSessionStore Sessions(TimeProvider? time = null) =>
        new(host.Get<IStore>(), time ?? host.Time, Microsoft.Extensions.Options.Options.Create(new ConsoleSsoOptions { Authority = "http://127.0.0.1:9/never-asked" }));

    private AuthenticationTicket Ticket(string name, string csrf, TimeSpan expiresIn, TimeProvider? time = null) =>
        new(
            new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim("zt_csrf", csrf)], ConsoleSignIn.CookieScheme)),
            new AuthenticationProperties { ExpiresUtc = (time ?? host.Time).GetUtcNow() + expiresIn },
            ConsoleSignIn.CookieScheme);

    [Fact]
    public async Task AStoredSession_IsReadByAnotherStoreInstance_UntilRemoved()
    {
        var key = await Sessions().StoreAsync(Ticket("ana", "csrf-1", TimeSpan.FromHours(8)));
        var other = await Sessions().StoreAsync(Ticket("bo", "csrf-2", TimeSpan.FromHours(8)));

        var read = await Sessions().RetrieveAsync(key);
        Assert.Equal(("ana", "csrf-1"), (read!.Principal.Identity!.Name, read.Principal.FindFirst("zt_csrf")!.Value));
        Assert.NotEqual(key, other);
        Assert.Null(await Sessions().RetrieveAsync("not-a-session"));

        await Sessions().RemoveAsync(key);
        Assert.Null(await Sessions().RetrieveAsync(key));
        Assert.Equal("bo", (await Sessions().RetrieveAsync(other))!.Principal.Identity!.Name);
    }

    [Fact]
    public async Task ASessionPastItsExpiry_IsGone_RenewalMovesTheExpiry_AndExpiredRowsLeaveAtTheNextSignIn()
    {
        var sessions = Sessions();
        var renewed = await sessions.StoreAsync(Ticket("ana", "c", TimeSpan.FromHours(1)));
        var lapsed = await sessions.StoreAsync(Ticket("bo", "c", TimeSpan.FromHours(1)));

        host.Time.Advance(TimeSpan.FromMinutes(50));
        await sessions.RenewAsync(renewed, Ticket("ana", "c", TimeSpan.FromHours(1)));
        host.Time.Advance(TimeSpan.FromMinutes(20));

        Assert.NotNull(await sessions.RetrieveAsync(renewed));
        Assert.Null(await sessions.RetrieveAsync(lapsed));
        // A lapsed session cannot be renewed back to life.
        await sessions.RenewAsync(lapsed, Ticket("bo", "c", TimeSpan.FromHours(1)));
        Assert.Null(await sessions.RetrieveAsync(lapsed));

        await sessions.StoreAsync(Ticket("cy", "c", TimeSpan.FromHours(1)));
        await using var connection = await host.Get<IStore>().OpenAsync(Ct);
        var names = (await connection.QueryAsync<string>("SELECT name FROM responder_console_sessions ORDER BY name")).ToList();
        Assert.Equal(["ana", "cy"], names);
    }

    [Fact]
    public async Task AnActiveSession_EndsMaxSessionLifetimeAfterSignIn_HoweverOftenItIsRenewed()
    {
        var sessions = Sessions();
        var key = await sessions.StoreAsync(Ticket("ana", "c", TimeSpan.FromHours(8)));

        // Active every hour: the sliding expiry never comes, the 12-hour bound does.
        for (var hour = 1; hour <= 11; hour++)
        {
            host.Time.Advance(TimeSpan.FromHours(1));
            Assert.NotNull(await sessions.RetrieveAsync(key));
            await sessions.RenewAsync(key, Ticket("ana", "c", TimeSpan.FromHours(8)));
        }

        host.Time.Advance(TimeSpan.FromHours(1));
        Assert.Null(await sessions.RetrieveAsync(key));
    }

    /// <summary>
    /// Signed in while the clock was two days ahead (a VM resumed with a stale offset), then the clock stepped back:
    /// the session counts as signed in when it is first used after, so it ends at the idle limit or 12 hours after that,
    /// not two days later. A step back of minutes signs nobody out.
    /// </summary>
    [Fact]
    public async Task ASessionSignedInWhileTheClockWasAhead_AfterTheClockStepsBack_EndsWithinTheLimitsFromThen()
    {
        var clock = new SteppedClock(host.Time.GetUtcNow());
        var sessions = Sessions(clock);
        clock.Now += TimeSpan.FromDays(2);
        var idle = await sessions.StoreAsync(Ticket("ana", "c", TimeSpan.FromHours(8), clock));
        var active = await sessions.StoreAsync(Ticket("cy", "c", TimeSpan.FromHours(8), clock));
        var back = clock.Now -= TimeSpan.FromDays(2);

        var recent = await sessions.StoreAsync(Ticket("bo", "c", TimeSpan.FromHours(8), clock));
        clock.Now -= TimeSpan.FromMinutes(10);
        Assert.NotNull(await sessions.RetrieveAsync(recent));
        clock.Now = back;
        Assert.NotNull(await sessions.RetrieveAsync(idle));
        Assert.NotNull(await sessions.RetrieveAsync(active));
        for (var hour = 1; hour <= 11; hour++)
        {
            clock.Now = back + TimeSpan.FromHours(hour);
            Assert.NotNull(await sessions.RetrieveAsync(active));
            await sessions.RenewAsync(active, Ticket("cy", "c", TimeSpan.FromHours(8), clock));
        }

        clock.Now = back + TimeSpan.FromHours(12) + TimeSpan.FromMinutes(1);
        Assert.Null(await sessions.RetrieveAsync(idle));
        Assert.Null(await sessions.RetrieveAsync(active));
        Assert.DoesNotContain(await sessions.ListAsync(Ct), s => s.Name is "ana" or "cy");
    }

    [Fact]
    public async Task AnAdmin_ListsLiveSessionsWithoutKeys_AndEndsEveryOneOfAUser_Audited()
    {
        var sessions = host.Get<ConsoleSessionStore>();
        var ana1 = await sessions.StoreAsync(Ticket("ana", "c", TimeSpan.FromHours(8)));
        host.Time.Advance(TimeSpan.FromMinutes(5));
        var ana2 = await sessions.StoreAsync(Ticket("ana", "c", TimeSpan.FromHours(8)));
        var bo = await sessions.StoreAsync(Ticket("bo", "c", TimeSpan.FromHours(8)));
        using var admin = host.ClientFor(AdminToken);

        var listed = await admin.GetStringAsync(new Uri("/v1/console/sessions", UriKind.Relative), Ct);
        var rows = JsonDocument.Parse(listed).RootElement.EnumerateArray().ToList();
        Assert.Equal(["ana", "ana", "bo"], rows.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(host.Time.GetUtcNow().AddMinutes(-5), rows[0].GetProperty("signed_in_at").GetDateTimeOffset());
        Assert.DoesNotContain(ana1, listed, StringComparison.Ordinal);

        using var ended = await admin.DeleteAsync(new Uri("/v1/console/sessions?name=ana", UriKind.Relative), Ct);
        Assert.Equal(2, (await ended.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("ended").GetInt32());
        Assert.Null(await sessions.RetrieveAsync(ana1));
        Assert.Null(await sessions.RetrieveAsync(ana2));
        Assert.NotNull(await sessions.RetrieveAsync(bo));
        var audit = await host.Get<AuditLog>().QueryAsync(new AuditQuery(Limit: 10), Ct);
        Assert.Contains(audit, e => e.Kind == AuditKinds.SessionsEnded && e.Actor == "ada" && e.Summary.Contains("2 console session(s) of ana", StringComparison.Ordinal));

        using var noName = await admin.DeleteAsync(new Uri("/v1/console/sessions", UriKind.Relative), Ct);
        await HttpProblem.ReadNamingAsync(noName, HttpStatusCode.BadRequest, "name");
        using var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        using var refused = await responder.DeleteAsync(new Uri("/v1/console/sessions?name=bo", UriKind.Relative), Ct);
        await HttpProblem.ReadAsync(refused, HttpStatusCode.Forbidden);
        Assert.NotNull(await sessions.RetrieveAsync(bo));
    }

    [Theory]
    [InlineData("name=ana&name=bo", "is given 2 times: name one user")]
    [InlineData("name=ana%0Aended%2012%20console%20session(s)%20of%20cy", "must not hold a control character: U+000A at position 3")]
    [InlineData("name=%E2%80%AEana", "must not hold an invisible or bidirectional formatting character: U+202E at position 0")]
    [InlineData("name=LONG", "must be at most 512 characters; was 513")]
    public async Task EndingSessions_OfANameThatIsNoOneUsersLogin_Is400NamingIt_AndEndsNothing(string query, string reason)
    {
        // The name is one user's, on one line as sign-in names users: a second one is not dropped, and a line break
        // would forge a line of the audit entry rather than name anyone.
        var sessions = host.Get<ConsoleSessionStore>();
        var ana = await sessions.StoreAsync(Ticket("ana", "c", TimeSpan.FromHours(8)));
        var bo = await sessions.StoreAsync(Ticket("bo", "c", TimeSpan.FromHours(8)));
        using var admin = host.ClientFor(AdminToken);

        using var refused = await admin.DeleteAsync(new Uri("/v1/console/sessions?" + query.Replace("LONG", new string('a', 513), StringComparison.Ordinal), UriKind.Relative), Ct);

        var error = await HttpProblem.ReadOneErrorAsync(refused, HttpStatusCode.BadRequest);
        Assert.Equal(("name", reason), (error.GetProperty("field").GetString(), error.GetProperty("reason").GetString()));
        Assert.NotNull(await sessions.RetrieveAsync(ana));
        Assert.NotNull(await sessions.RetrieveAsync(bo));
        Assert.DoesNotContain(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Limit: 10), Ct), e => e.Kind == AuditKinds.SessionsEnded);
    }

    [Fact]
    public async Task KeysMadeByOneKeyRing_UnprotectWhatItProtected_InAnotherKeyRingOnTheSameStore()
    {
        var first = Protector();
        var protectedText = first.Protect("session-key-1");

        Assert.Equal("session-key-1", Protector().Unprotect(protectedText));
        await using var connection = await host.Get<IStore>().OpenAsync(Ct);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM responder_data_protection_keys"));
    }

    /// <summary>A protector of a key ring of its own (as in another process), whose keys live in the store under test.</summary>
    private IDataProtector Protector()
    {
        var services = new ServiceCollection()
            .AddSingleton(host.Get<IStore>())
            .AddSingleton<TimeProvider>(TimeProvider.System)
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        StoreKeyRing.AddTo(services);
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>().CreateProtector("console");
    }

    /// <summary>A wall clock that steps either way (a fake one only goes forward).</summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

public sealed class SqliteConsoleSessionStoreTests : ConsoleSessionStoreContractTests
{
    protected override Task<Dictionary<string, string?>> StoreSettingsAsync() => Task.FromResult(new Dictionary<string, string?>());
}

public sealed class PostgresConsoleSessionStoreTests(PostgresFixture postgres) : ConsoleSessionStoreContractTests
{
    protected override Task<Dictionary<string, string?>> StoreSettingsAsync() => postgres.CreateStoreSettingsAsync(Ct);
}
