namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// Okta System Log <c>LogEvent</c>s written after Okta's System Log API reference (members, nulls and nesting as Okta
/// writes them), mapped by the same reader Ingest's <c>/v1/sources/okta</c> uses, in an event hook delivery or as the
/// API's list, and okta rules evaluated over them as the rule engine does (in file order, every event in turn).
/// </summary>
internal static class FalcoOktaTestData
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 12, 43, 512, TimeSpan.Zero);

    public const string Client = """
        {"userAgent":{"rawUserAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36","os":"Windows 10","browser":"CHROME"},
         "zone":"null","device":"Computer","id":null,"ipAddress":"198.51.100.23",
         "geographicalContext":{"city":"Lyon","state":"Auvergne-Rhone-Alpes","country":"France","postalCode":"69001","geolocation":{"lat":45.7485,"lon":4.8467}}}
        """;

    /// <summary>One LogEvent; <paramref name="extra"/> adds top-level members (",\"target\":[…]").</summary>
    public static string Log(
        string eventType,
        DateTimeOffset? at = null,
        string actorId = "00u8f2kq1rTz5x0d7",
        string actorName = "Dana Ruiz",
        string result = "SUCCESS",
        string? reason = null,
        string? client = Client,
        string extra = "") => $$"""
        {"uuid":"{{Guid.NewGuid()}}","published":"{{(at ?? T0).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}}","eventType":"{{eventType}}","version":"0","severity":"INFO",
         "legacyEventType":null,"displayMessage":"Okta event",
         "actor":{"id":"{{actorId}}","type":"User","alternateId":"dana.ruiz@example.org","displayName":"{{actorName}}","detailEntry":null},
         {{(client is null ? "" : $"\"client\":{client},")}}
         "outcome":{"result":"{{result}}","reason":{{(reason is null ? "null" : $"\"{reason}\"")}} },
         "transaction":{"type":"WEB","id":"Y2b3kq0Z1x","detail":{} },
         "debugContext":{"debugData":{"requestId":"Y2b3kq0Z1x","requestUri":"/api/v1/authn","url":"/api/v1/authn?"} },
         "authenticationContext":{"authenticationProvider":null,"credentialProvider":null,"credentialType":null,"issuer":null,"interface":null,"authenticationStep":0,"externalSessionId":"102bZDNFfWaQSyEZQuDgWt-uQ"},
         "securityContext":{"asNumber":16276,"asOrg":"ovh sas","isp":"ovh sas","domain":"ovh.net","isProxy":false}{{extra}} }
        """;

    /// <summary>The System Log API's answer: a JSON array of LogEvents.</summary>
    public static string ApiList(params string[] logs) => $"[{string.Join(',', logs)}]";

    /// <summary>The events Ingest's Okta adapter makes of <paramref name="payload"/>.</summary>
    public static List<RuleEvent> Events(string payload) => FalcoTestData.IdpRuleEvents("okta", payload);

    public static RuleEvent Event(string log) => Assert.Single(Events(ApiList(log)));

    /// <summary>An okta rule with <paramref name="condition"/> and <paramref name="output"/>.</summary>
    public static string Rule(string condition, string output = "okta event", string name = "Okta Rule") =>
        FalcoTestData.RuleText("okta", condition, output, name);

    /// <summary>Evaluates every event against every rule in order, as the engine does; the outputs of the rules that fired.</summary>
    public static List<(string Rule, string Output)> Run(IReadOnlyList<Rule> rules, IEnumerable<RuleEvent> events)
    {
        var fired = new List<(string, string)>();
        foreach (var e in events)
        {
            foreach (var rule in rules)
            {
                if (rule.Condition.Matches(e))
                {
                    fired.Add((rule.Id, ((FalcoRuleMatcher)rule.Condition).RenderOutput(e)));
                }
            }
        }

        return fired;
    }
}
