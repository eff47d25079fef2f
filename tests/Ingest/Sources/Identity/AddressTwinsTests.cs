namespace ZtStream.Ingest.Tests.Sources.Identity;

/// <summary>A failed sign-in is written twice: for the account, and keyed by the address it came from.</summary>
public sealed class AddressTwinsTests
{
    [Fact]
    public void FailedKeycloakLogin_HasATwinKeyedByItsAddress_NamingTheAccount()
    {
        var failed = KeycloakMapper.Map(TestData.Idp("keycloak", "user-events.json")).Events.First(e => e.Action == "LOGIN_ERROR");

        var twin = AddressTwins.Of(failed);

        Assert.NotNull(twin);
        Assert.Equal("ip:203.0.113.66", twin.PrincipalKey);
        Assert.Equal("anonymous", twin.Subject?.Type);
        Assert.Equal(failed.Subject?.Id, twin.Attr(AddressTwins.Account));
        Assert.Equal(failed.Id, twin.Attr(AddressTwins.TwinOf));
        Assert.Equal(failed.Id + "@address", twin.Id);
        Assert.Equal((failed.Kind, failed.Outcome, failed.Time, failed.Network?.SrcIp), (twin.Kind, twin.Outcome, twin.Time, twin.Network?.SrcIp));
        Assert.Null(twin.Raw);
        Assert.Null(AddressTwins.Of(twin));
    }

    [Fact]
    public void Successes_Interruptions_AddresslessAndAddressPrincipals_HaveNoTwin()
    {
        var okta = OktaMapper.Map(TestData.Idp("okta", "event-hook-delivery.json")).Events;
        Assert.Contains(okta, e => e.Outcome == Outcomes.Success);
        Assert.All(okta.Where(e => e.Outcome == Outcomes.Success), e => Assert.Null(AddressTwins.Of(e)));

        var entra = EntraMapper.Map(TestData.Idp("entra", "signin-records.json")).Events;
        Assert.Contains(entra, e => e.Flag(IdentityAttributes.Interrupted) == true);
        Assert.All(entra.Where(e => e.Flag(IdentityAttributes.Interrupted) == true), e => Assert.Null(AddressTwins.Of(e)));

        var noAddress = new AccessEvent { Id = "x", Time = DateTimeOffset.UnixEpoch, Kind = EventKinds.AuthLogin, Outcome = Outcomes.Denied, Subject = new() { Id = "bob" } };
        Assert.Null(AddressTwins.Of(noAddress));
        Assert.Null(AddressTwins.Of(noAddress with { Subject = new() { Id = "ip:192.0.2.1" }, Network = new() { SrcIp = "192.0.2.1" } }));
        Assert.NotNull(AddressTwins.Of(noAddress with { Network = new() { SrcIp = "192.0.2.1" } }));
    }

    [Fact]
    public void RefusedOpenShiftLogin_HasATwinKeyedByTheAddressTheOAuthServerSaw_NotAForgeableForwardedOne()
    {
        // ORIGIN: the OAuth server's audit lines of TestData/k8s-audit/clusters (openshift-oauth-server.ndjson, see its ORIGIN.md).
        var logins = K8sAuditMapper.Map(TestData.Cluster("openshift-oauth-server.ndjson")).Events;
        var refused = logins.First(e => e.Subject?.Id == "rosa.ng" && e.Outcome == Outcomes.Denied);
        var forwarded = refused with
        {
            Id = "fwd",
            Attributes = new Dictionary<string, JsonElement>(refused.Attributes!)
            {
                ["k8s.source_ips"] = JsonSerializer.SerializeToElement(new[] { "192.0.2.99", "203.0.113.45", "10.128.0.2" }),
            },
        };

        var twin = AddressTwins.Of(refused);
        var forwardedTwin = AddressTwins.Of(forwarded);

        Assert.NotNull(twin);
        Assert.Equal(("ip:10.128.0.2", EventKinds.K8sAudit, "rosa.ng", refused.Id), (twin.PrincipalKey, twin.Kind, twin.Attr(AddressTwins.Account), twin.Attr(AddressTwins.TwinOf)));
        Assert.Null(twin.Attr(AddressTwins.ForwardedFor));
        Assert.Null(twin.Status);
        Assert.NotNull(forwardedTwin);
        Assert.Equal(("ip:10.128.0.2", "203.0.113.45", "10.128.0.2"), (forwardedTwin.PrincipalKey, forwardedTwin.Attr(AddressTwins.ForwardedFor), forwardedTwin.Network?.SrcIp));
        // Allowed logins, a refusal naming no account and the API server's own refusals have none.
        Assert.All(logins.Where(e => e.Outcome != Outcomes.Denied || e.Subject?.Type == "anonymous"), e => Assert.Null(AddressTwins.Of(e)));
        var forbidden = K8sAuditMapper.Map(TestData.K8sTrace("exec_pod.json")).Events.Single() with { Outcome = Outcomes.Denied, Status = 403 };
        Assert.Null(AddressTwins.Of(forbidden));
    }
}
