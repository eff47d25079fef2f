using ZtStream.Ingest.Sources.Okta;

namespace ZtStream.Verifier.Tests.Policy;

/// <summary>What an identity provider reports about a subject scores as policy, whatever provider reported it.</summary>
public sealed class IdentitySignalsTests
{
    private static ScoringEngine Engine() => new(new VerifierOptions { ModelEnabled = false });

    private static AccessEvent Signal(string kind, Dictionary<string, object> attributes, string subject = "jane@acme.example", string? session = null) => new()
    {
        Id = Guid.NewGuid().ToString("N"),
        Time = Events.T0,
        Kind = kind,
        Source = "okta-ssf",
        Subject = new Subject { Id = subject, Type = "user" },
        Token = session is null ? null : new TokenInfo { SessionId = session },
        Attributes = attributes.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value)),
    };

    [Fact]
    public void Score_SessionsRevokedByTheIdp_IsACriticalAlertNamingTheProviderAndReason()
    {
        var e = Signal(EventKinds.AuthSessionRevoked, new() { ["idp.name"] = "ssf:okta", ["ssf.reason_admin"] = "Account takeover suspected" });

        // Through the bytes path the Verifier reads from the event log.
        var result = Engine().Score(ContractJson.Serialize(e));

        var alert = Assert.IsType<Alert>(result.Alert);
        Assert.Equal(Severities.Critical, alert.Severity);
        var reason = Assert.Single(alert.Reasons);
        Assert.Equal((Detectors.Policy, IdentitySignals.SessionsRevoked, 95), (reason.Detector, reason.Rule, reason.Score));
        Assert.Contains("ssf:okta revoked every session of jane@acme.example (Account takeover suspected)", reason.Text, StringComparison.Ordinal);
        Assert.Equal("jane@acme.example", alert.SubjectId);
    }

    [Fact]
    public void Score_OneSessionRevoked_IsItsOwnRuleWithTheSessionOnTheAlert()
    {
        var alert = Engine().Score(Signal(EventKinds.AuthSessionRevoked, new() { ["idp.name"] = "ssf:okta" }, session: "sess-9")).Alert!;

        Assert.Equal(IdentitySignals.SessionRevoked, Assert.Single(alert.Reasons).Rule);
        Assert.Equal("sess-9", alert.Token?.SessionId);
    }

    [Fact]
    public void Score_CompromisedCredential_RaisesTheSubjectToCritical()
    {
        var alert = Engine().Score(Signal(EventKinds.AuthRisk, new()
        {
            ["idp.name"] = "ssf:google",
            ["idp.risk_level"] = "high",
            ["idp.risk_events"] = new[] { "credential_compromise" },
            ["auth.factor"] = "password",
        })).Alert!;

        Assert.Equal(Severities.Critical, alert.Severity);
        var reason = Assert.Single(alert.Reasons);
        Assert.Equal(IdentitySignals.CredentialCompromise, reason.Rule);
        Assert.Contains("password of jane@acme.example compromised", reason.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("high", Outcomes.Success, 75)]
    [InlineData("high", Outcomes.Denied, 60)]
    [InlineData("medium", Outcomes.Success, 50)]
    [InlineData("medium", Outcomes.Denied, 40)]
    public void Score_ARiskTheProviderBlocked_AlertsBelowWhatARevocationActsOn(string level, string outcome, int score)
    {
        var e = Signal(EventKinds.AuthRisk, new() { ["idp.name"] = "auth0", ["idp.risk_level"] = level, ["idp.risk_events"] = new[] { "brute_force" } }) with { Outcome = outcome };

        var result = Engine().Score(e);

        Assert.Equal(score, result.Score);
        if (result.Alert is { } alert)
        {
            Assert.Equal(outcome == Outcomes.Denied, alert.Reasons[0].Text.EndsWith("auth0 blocked the request", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("disabled", 90)]
    [InlineData("deleted", 90)]
    [InlineData("locked", 0)]
    public void Score_AccountChanges_DisabledAndDeletedAccountsAreCritical(string change, int score)
    {
        var result = Engine().Score(Signal(EventKinds.AuthAccountChange, new() { ["idp.name"] = "okta", ["auth.change"] = change }));

        Assert.Equal(score, result.Score);
    }

    [Fact]
    public void Score_ContextChanges_NoncompliantDeviceIsHighAClaimsChangeOnlyASignal()
    {
        var engine = Engine();
        var device = engine.Score(Signal(EventKinds.AuthContextChange, new() { ["idp.name"] = "ssf:intune", ["auth.change"] = "device_compliance", ["device.compliant"] = false, ["device.id"] = "dev-42" }));
        var claims = engine.Score(Signal(EventKinds.AuthContextChange, new() { ["idp.name"] = "ssf:intune", ["auth.change"] = "token_claims" }, subject: "bob@acme.example"));
        var downgrade = engine.Score(Signal(EventKinds.AuthContextChange, new() { ["idp.name"] = "ssf:idp", ["auth.change"] = "assurance_level", ["ssf.change_direction"] = "decrease", ["ssf.previous_level"] = "nist-aal2", ["ssf.current_level"] = "nist-aal1" }, subject: "carol@acme.example"));

        Assert.Equal(Severities.High, device.Alert?.Severity);
        Assert.Contains("device dev-42", device.Alert!.Reasons[0].Text, StringComparison.Ordinal);
        Assert.Equal(20, claims.Score);
        Assert.Null(claims.Alert);
        Assert.Equal(50, downgrade.Score);
    }

    [Fact]
    public void Score_AnOrdinaryLogin_GetsNoIdentitySignal()
    {
        var result = Engine().Score(Signal(EventKinds.AuthLogin, new() { ["idp.name"] = "okta", ["idp.risk_level"] = "high" }));

        Assert.Equal(0, result.Score);
    }

    [Fact]
    public void Score_OktaAdminClearingAUsersSessions_FromTheSystemLogLine_RevokesThatUsersSessions()
    {
        const string line = """{"uuid":"c1","published":"2026-01-05T00:00:00Z","eventType":"user.session.clear","actor":{"id":"00uadmin","type":"User","alternateId":"it-admin@acme.example"},"client":{"ipAddress":"192.0.2.10"},"outcome":{"result":"SUCCESS"},"target":[{"id":"00u9","type":"User","alternateId":"sam@acme.example"}]}""";
        var e = Assert.Single(OktaMapper.Map(Encoding.UTF8.GetBytes(line)).Events);

        var alert = Engine().Score(ContractJson.Serialize(e)).Alert!;

        Assert.Equal("sam@acme.example", alert.SubjectId);
        Assert.Equal(IdentitySignals.SessionsRevoked, Assert.Single(alert.Reasons).Rule);
        Assert.StartsWith("okta revoked every session of sam@acme.example", alert.Reasons[0].Text, StringComparison.Ordinal);
    }
}
