using static ZtStream.Verifier.Tests.Authentication.IdpRecords;

namespace ZtStream.Verifier.Tests.Authentication;

/// <summary>
/// "First seen for this user": a device-code sign-in, a primary refresh token from a new network and a client reaching
/// Microsoft Graph for the first time, each after the principal's history has warmed up, and each kept through a
/// checkpoint.
/// </summary>
public sealed partial class AuthenticationDetectorTests
{
    private const string OfficeApp = "d3590ed6-52b3-4102-aeff-aad2292ab01c";
    private const string AzureCli = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
    private const string AadBroker = "29d9ed98-a469-4536-ade2-f981bc1d605e";
    private const string Ulla = "ulla.berg@contoso.example";

    /// <summary>
    /// An Entra ID sign-in of Ulla as diagnostic settings export it, <paramref name="day"/> days after 09:00 on T0's date.
    /// </summary>
    private static AccessEvent UllaSignIn(
        double day, string appId = OfficeApp, string app = "Microsoft Office", string resource = "Office 365 Exchange Online", string ip = "203.0.113.40",
        string protocol = "none", string incoming = "none", string transfer = "none", bool interactive = true, string risk = "none") => Map("entra", $$$"""
        {"records":[{"time":"{{{T0.AddDays(day):O}}}","category":"{{{(interactive ? "SignInLogs" : "NonInteractiveUserSignInLogs")}}}","resultType":"0",
         "properties":{"id":"f1a5e000-0000-4000-8000-{{{Guid.NewGuid().ToString()[^12..]}}}","createdDateTime":"{{{T0.AddDays(day):O}}}",
          "userPrincipalName":"{{{Ulla}}}","userId":"f1a5e000-0000-4000-8000-0000000000f1","appId":"{{{appId}}}","appDisplayName":"{{{app}}}",
          "resourceDisplayName":"{{{resource}}}","ipAddress":"{{{ip}}}","isInteractive":{{{(interactive ? "true" : "false")}}},
          "authenticationProtocol":"{{{protocol}}}","incomingTokenType":"{{{incoming}}}","originalTransferMethod":"{{{transfer}}}",
          "riskLevelDuringSignIn":"{{{risk}}}","status":{"errorCode":0} } } ] }
        """.ReplaceLineEndings(""));

    /// <summary>Ulla's everyday sign-ins over eight days: Outlook from her office's network, its token from her laptop's PRT.</summary>
    private static IEnumerable<AccessEvent> UllasWeek() => Enumerable.Range(0, 8).SelectMany(d => new[]
    {
        UllaSignIn(d),
        UllaSignIn(d + 0.01, incoming: "primaryRefreshToken", interactive: false),
        UllaSignIn(d + 0.02, resource: GraphNameOf, interactive: false),
    });

    private const string GraphNameOf = "Microsoft Graph";

    [Fact]
    public void FirstDeviceCodeSignIn_AfterTheWarmUp_IsAReason_AndTheSecondIsNot()
    {
        var harness = new Harness();
        Last(harness, UllasWeek(), AuthenticationDetector.FirstDeviceCode);
        OneFinding(Findings(harness, UllaSignIn(8.5, protocol: "deviceCode"), AuthenticationDetector.FirstDeviceCode), 40,
            "with a device code for the first time in 8.5 days", "Microsoft Office (d3590ed6");
        Assert.Empty(Findings(harness, UllaSignIn(8.6, protocol: "deviceCode"), AuthenticationDetector.FirstDeviceCode));
    }

    [Fact]
    public void FirstSeen_DuringTheWarmUp_IsNoReason_ButIsLearned()
    {
        // A new deployment: Ulla's third day is her history's first, so her first device-code sign-in is learned, not raised.
        var harness = new Harness();
        harness.Score(UllaSignIn(0));
        Assert.Empty(Findings(harness, UllaSignIn(2, protocol: "deviceCode"), AuthenticationDetector.FirstDeviceCode));
        Assert.Empty(Findings(harness, UllaSignIn(2.1, appId: AzureCli, app: "Microsoft Azure CLI", resource: GraphNameOf), AuthenticationDetector.NewGraphClient));
        foreach (var d in Enumerable.Range(3, 6))
        {
            harness.Score(UllaSignIn(d));
        }

        Assert.Empty(Findings(harness, UllaSignIn(9, protocol: "deviceCode"), AuthenticationDetector.FirstDeviceCode));
        Assert.Empty(Findings(harness, UllaSignIn(9.1, appId: AzureCli, app: "Microsoft Azure CLI", resource: GraphNameOf), AuthenticationDetector.NewGraphClient));
    }

    [Fact]
    public void PrimaryRefreshToken_FromANetworkNoSignInCameFrom_IsAReason_ItsOwnNetworkIsNot()
    {
        var harness = new Harness();
        Last(harness, UllasWeek(), AuthenticationDetector.PrtNewNetwork);

        // Another address of the office's /24 is the same network.
        Assert.Empty(Findings(harness, UllaSignIn(8.5, ip: "203.0.113.77", incoming: "primaryRefreshToken", interactive: false), AuthenticationDetector.PrtNewNetwork));
        OneFinding(Findings(harness, UllaSignIn(8.6, appId: AadBroker, app: "Microsoft Authentication Broker", ip: "198.51.100.23", incoming: "primaryRefreshToken", interactive: false),
            AuthenticationDetector.PrtNewNetwork), 45, "primary refresh token", "from 198.51.100.23, a network none of its sign-ins came from in 8.6 days");

        // A password sign-in from a new network is new_country's or a hijack's business, not a token's.
        Assert.Empty(Findings(harness, UllaSignIn(8.7, ip: "192.0.2.10"), AuthenticationDetector.PrtNewNetwork));
    }

    [Fact]
    public void AClientReachingGraphForTheFirstTime_IsAReason_AClientThatDidIsNot()
    {
        var harness = new Harness();
        Last(harness, UllasWeek(), AuthenticationDetector.NewGraphClient);
        Assert.Empty(Findings(harness, UllaSignIn(8.5, resource: GraphNameOf, interactive: false), AuthenticationDetector.NewGraphClient));
        OneFinding(Findings(harness, UllaSignIn(8.6, appId: AzureCli, app: "Microsoft Azure CLI", resource: GraphNameOf), AuthenticationDetector.NewGraphClient), 30,
            "to Microsoft Graph with Microsoft Azure CLI (04b07795", "never reached Graph for it in 8.6 days");

        // The same client to another resource is not Graph.
        Assert.Empty(Findings(harness, UllaSignIn(8.7, appId: "1950a258-227b-4e31-a9cf-717495945fc2", app: "Microsoft Azure PowerShell", resource: "Windows Azure Service Management API"), AuthenticationDetector.NewGraphClient));
    }

    [Fact]
    public void FirstSeen_AloneRaisesNoAlert_WithTheProvidersMediumRiskItDoes()
    {
        var engine = Engine();
        foreach (var e in UllasWeek())
        {
            engine.Score(e);
        }

        var alone = engine.Score(UllaSignIn(8.5, appId: AzureCli, app: "Microsoft Azure CLI", resource: GraphNameOf));
        Assert.Null(alone.Alert);
        Assert.InRange(alone.Score, 1, 59);

        var withRisk = engine.Score(UllaSignIn(8.6, protocol: "deviceCode", risk: "medium"));
        OneReason(withRisk, AuthenticationDetector.FirstDeviceCode, 40, "device code");
    }

    [Fact]
    public void FirstSeenHistory_SurvivesACheckpoint_SoARestartMakesNothingFirstAgain()
    {
        var engine = Engine();
        foreach (var e in UllasWeek())
        {
            engine.Score(e);
        }

        var restored = Engine();
        restored.Restore(engine.Checkpoint());
        var history = restored.StateOf(Ulla)!.Authentication!;
        Assert.NotNull(history.History);
        Assert.Equal(T0.UtcTicks, history.HistoryFromTicks);

        // After the restart, what is new is raised at once (no second warm-up), and what was known stays known: Outlook's
        // client reaching Graph from the office with the laptop's token, a first device code, the provider's medium risk.
        var after = restored.Score(UllaSignIn(8.5, resource: GraphNameOf, protocol: "deviceCode", incoming: "primaryRefreshToken", risk: "medium"));
        OneReason(after, AuthenticationDetector.FirstDeviceCode, 40, "for the first time in 8.5 days");
        Assert.Empty(Reasons(after, AuthenticationDetector.NewGraphClient));
        Assert.Empty(Reasons(after, AuthenticationDetector.PrtNewNetwork));

        // Parked on eviction and taken back, likewise.
        var parked = ZtStream.Verifier.Baselines.PrincipalState.FromBytes(restored.StateOf(Ulla)!.ToBytes());
        Assert.Equal(history.HistoryFromTicks, parked.Authentication!.HistoryFromTicks);
        Assert.Equal(3, parked.Authentication.History!.Count);
    }

    [Fact]
    public void FirstSeenHistory_IsBounded()
    {
        var harness = new Harness();
        foreach (var i in Enumerable.Range(0, 200))
        {
            harness.Score(UllaSignIn(i * 0.1, ip: $"2001:db8:{i:x}::1", incoming: "primaryRefreshToken", interactive: false));
        }

        Assert.Equal(AuthenticationState.HistoryCapacity, harness.States[Ulla].Authentication!.History!.Count);
    }
}
