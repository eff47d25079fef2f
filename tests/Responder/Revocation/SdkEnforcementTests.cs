using ZtStream.TestSupport.Revocations;

namespace ZtStream.Responder.Tests.Revocation;

public sealed class SdkEnforcementTests
{
    [Fact]
    public async Task Feed_MeetsTheRevocationFeedContract()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var revoker = host.Get<ITokenRevoker>();

        await RevocationFeedContract.VerifyAsync(
            host.ClientFor(ResponderTestHost.FeedToken),
            jti => revoker.RevokeTokenAsync(new RevokeToken { ActionId = Guid.NewGuid(), Jti = jti, Reason = "contract", RequestedBy = "test" }, default),
            Ct);
    }

    [Fact]
    public async Task CriticalAlert_AutomaticRevocation_SdkProtectedAppRejectsTheToken()
    {
        await using var responder = await new ResponderTestHost(ResponseFlowTests.RevokeCritical, ProtectedApp.WallClock()) { UseKestrel = true }.StartAsync();
        await using var app = await ProtectedApp.StartAsync(responder.BaseAddress!);
        var stolen = ProtectedApp.Token("alice", "jti-stolen-sdk");
        var other = ProtectedApp.Token("bob", "jti-fine");
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync(stolen)).StatusCode);

        await responder.PublishAlertAsync(TestAlerts.Critical("sdk-1", jti: "jti-stolen-sdk"));

        await Eventually.HoldsAsync(async () => (await app.GetAsync(stolen)).StatusCode == HttpStatusCode.Unauthorized, "the app rejects the revoked token");
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync(other)).StatusCode);
    }

    [Fact]
    public async Task Lift_ByAResponder_TheAppAcceptsTheTokenAgain_TheEntryLeavesTheSnapshot_AndTheAuditShowsWhoAndWhy()
    {
        await using var responder = await new ResponderTestHost(ResponseFlowTests.RevokeCritical, ProtectedApp.WallClock()) { UseKestrel = true }.StartAsync();
        await using var app = await ProtectedApp.StartAsync(responder.BaseAddress!);
        var ct = Ct;
        var token = ProtectedApp.Token("alice", "jti-lift");
        await responder.PublishAlertAsync(TestAlerts.Critical("lift-1", jti: "jti-lift"));
        await Eventually.HoldsAsync(async () => (await app.GetAsync(token)).StatusCode == HttpStatusCode.Unauthorized, "the app rejects the revoked token");
        var entry = (await responder.RevocationSnapshotAsync()).Revocations.Single(r => r.Jti == "jti-lift");
        var lift = $"/v1/revocations/{entry.Version}/lift";

        Assert.Equal(HttpStatusCode.Forbidden, (await responder.ClientFor(ResponderTestHost.AnalystToken).PostAsJsonAsync(lift, new { reason = "x" }, ct)).StatusCode);
        using var noReason = await responder.ClientFor(ResponderTestHost.ResponderToken).PostAsJsonAsync(lift, new { }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("reason", await noReason.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        using var lifted = await responder.ClientFor(ResponderTestHost.ResponderToken).PostAsJsonAsync(lift, new { reason = "false positive: alice's own laptop" }, ct);
        Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);

        await Eventually.HoldsAsync(async () => (await app.GetAsync(token)).StatusCode == HttpStatusCode.OK, "the app accepts the token again");
        Assert.DoesNotContain((await responder.RevocationSnapshotAsync()).Revocations, r => r.Version == entry.Version);
        Assert.Equal(HttpStatusCode.Conflict, (await responder.ClientFor(ResponderTestHost.ResponderToken).PostAsJsonAsync(lift, new { reason = "again" }, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await responder.ClientFor(ResponderTestHost.ResponderToken).PostAsJsonAsync("/v1/revocations/999999/lift", new { reason = "x" }, ct)).StatusCode);
        var audit = await responder.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.RevocationLifted), ct);
        var record = Assert.Single(audit);
        Assert.Equal("rex", record.Actor);
        Assert.Equal(entry.ActionId, record.ActionId);
        Assert.Contains("alice's own laptop", record.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubjectRevocation_OfAClient_RefusesItsClientCredentialsTokenWithoutSub()
    {
        await using var responder = await new ResponderTestHost(time: ProtectedApp.WallClock()) { UseKestrel = true }.StartAsync();
        await using var app = await ProtectedApp.StartAsync(responder.BaseAddress!);
        var machine = ProtectedApp.Token(new Dictionary<string, object> { ["client_id"] = "billing-batch", ["jti"] = "jti-cc" });
        var otherMachine = ProtectedApp.Token(new Dictionary<string, object> { ["client_id"] = "reporting", ["jti"] = "jti-cc-2" });
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync(machine)).StatusCode);

        await responder.Get<ITokenRevoker>().RevokeSubjectSessionsAsync(new RevokeSubjectSessions
        {
            ActionId = Guid.NewGuid(), SubjectId = "billing-batch", NotBefore = DateTimeOffset.UtcNow.AddMinutes(1), Reason = "test", RequestedBy = "test",
        }, Ct);

        await Eventually.HoldsAsync(async () => (await app.GetAsync(machine)).StatusCode == HttpStatusCode.Unauthorized, "the client's token is refused");
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync(otherMachine)).StatusCode);
    }
}
