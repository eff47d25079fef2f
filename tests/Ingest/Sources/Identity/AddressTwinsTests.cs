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
}
