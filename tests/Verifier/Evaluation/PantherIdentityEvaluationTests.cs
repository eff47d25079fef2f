using ZtStream.Verifier.Scoring;

namespace ZtStream.Verifier.Tests.Evaluation;

/// <summary>
/// Identity detection judged on labelled records nobody here wrote: the single-record unit tests panther-labs/panther-analysis
/// ships with its Okta, Entra ID (Azure.Audit) and Auth0 rules (TestData/panther-identity; ORIGIN-identity.md says which),
/// each record as Panther gives it, read by Ingest's adapter for its provider and scored by the Verifier with the default
/// configuration (default policy, built-in library), as <c>ztstream replay --format okta|entra|auth0</c> does. A case
/// Panther labels true is detected when it alerts (score ≥ the alert threshold) on the principal the case names; a case
/// labelled false when it raises no alert. docs/detection.md ("Panther's identity rule tests") holds the table this test
/// writes, and the test fails when any case's verdict, or any word of it, changes.
/// </summary>
public sealed class PantherIdentityEvaluationTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "TestData", "panther-identity");

    // When the records are read: after every record's own time, as a replay of an old export is.
    private static readonly DateTimeOffset ReadAt = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private static readonly VerifierOptions Options = new();

    private static readonly Lazy<RuleSet> Library = new(() => new RuleSet(RuleLoader.Load(RuleLoader.Builtin()).Rules));

    private const string Begin = "<!-- panther-identity table: written by PantherIdentityEvaluationTests -->";
    private const string End = "<!-- end of panther-identity table -->";

    /// <summary>Why ZtStream disagrees with Panther's label where it does, or what a case shows; keyed by "rule · test".</summary>
    private static readonly Dictionary<string, string> Why = new(StringComparer.Ordinal)
    {
        ["okta_user_mfa_reset · User reset own MFA factor"] = "the record has neither `uuid` nor `published`, which Okta writes on every LogEvent: judged under an id derived from what identifies it, dated when the file was read (`ingest.time_source` `read`; live, its arrival)",
        ["okta_support_reset · Reset by Company Admin"] = "the record has no `published`: dated when the file was read (see row 6)",
        ["okta_account_support_access · Support Access Granted"] = "the record has no `uuid`: judged under a derived id (see row 6)",
        ["okta_account_support_access · Login Event"] = "the record has no `uuid`: judged under a derived id (see row 6)",
        ["okta_threatinsight_security_threat_detected · Security Threat Event"] = "ZtStream rates ThreatInsight by the confidence its `threatDetections` state (HIGH → 75); this record states none, and the bare event type says only that Okta flagged a request of that address",
        ["okta_user_account_locked · Account Lock Event"] = "a lock is Okta stopping the guessing, not an attack: the failures before it are what `identity-brute-force` and its day-long companion count; one user locking themselves out is everyday",
        ["okta_group_admin_role_assigned · Group Privilege Grant"] = "the record says the grant failed (`outcome.result` `FAILURE`): no role was granted. The same grant succeeding alerts (`identity-admin-role-granted`, Okta's privileges being its administrator roles, named or not)",
        ["azure_risklevel_passthrough · Failed Sign-In with riskLevelAggregated"] = "a low aggregated risk on a refused sign-in: ZtStream raises high risk on sign-ins that went through (75) and medium ones (40), not low",
        ["azure_risklevel_passthrough · Failed Sign-In with riskLevelDuringSignIn"] = "the sign-in was refused (7000215, a wrong client secret): a high risk that granted nothing; the failures are counted by the brute-force rules",
        ["azure_high_risk_signin · High Risk During Sign-In"] = "the record has no `properties.id`, which Entra writes on every sign-in: judged under an id derived from what identifies it",
        ["azure_high_risk_signin · High Risk Dismissed"] = "the record has no `properties.id`: judged under a derived id (see row 25)",
        ["azure_service_principal_credentials_added · Add Service Principal Credentials"] = "the record has no `properties.id`, which Entra writes on every audit record: judged under a derived id (see row 25)",
        ["azure_service_principal_credentials_added · Create Service Principal"] = "the record has no `properties.id`: judged under a derived id (see row 25)",
        ["azure_elevate_user_access_admin · User Elevated to User Access Administrator"] = "the record has no `properties.id`: judged under a derived id (see row 25)",
        ["azure_elevate_user_access_admin · Different Operation"] = "the record has no `properties.id`: judged under a derived id (see row 25)",
    };

    [Fact]
    public void Replay_EveryCase_VerdictAsDocsDetectionStatesIt()
    {
        var outcomes = Cases().Select(Replay).ToList();
        var table = Table(outcomes);
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "ztstream-panther-identity.md"), table);

        var doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "detection.md"));
        var start = doc.IndexOf(Begin, StringComparison.Ordinal);
        var end = doc.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"docs/detection.md holds no section between \"{Begin}\" and \"{End}\"");
        var documented = doc[(start + Begin.Length)..end].Trim('\n').ReplaceLineEndings("\n");
        Assert.Equal(documented, table.Trim('\n'));
    }

    [Fact]
    public void Cases_EachPantherTestOnce_EveryTrueCaseNamesItsPrincipal()
    {
        var cases = Cases();

        Assert.Equal(cases.Count, cases.Select(c => (c.Rule, c.Test)).Distinct().Count());
        Assert.All(cases.Where(c => c.Expected), c => Assert.False(string.IsNullOrEmpty(c.Principal), $"{c.Rule} · {c.Test}"));
        Assert.All(Why.Keys, key => Assert.Contains(cases, c => $"{c.Rule} · {c.Test}" == key));
    }

    internal sealed record Case(int Number, string Format, string Rule, string Test, bool Expected, string Concept, string? Principal, string Log);

    internal sealed record Outcome(Case Case, IReadOnlyList<AccessEvent> Events, IReadOnlyList<SkippedItem> Refused, IReadOnlyList<Alert> Alerts)
    {
        /// <summary>Alerted on the case's principal (a true case), or on anyone (a false one).</summary>
        public bool Alerted => Alerts.Any(a => a.Score >= Options.AlertThreshold && (!Case.Expected || a.Principal == Case.Principal));

        public bool Agrees => Alerted == Case.Expected;
    }

    internal static List<Case> Cases() =>
        [.. File.ReadLines(Path.Combine(Folder, "cases.ndjson")).Select((line, i) =>
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            return new Case(
                i + 1,
                r.GetProperty("format").GetString()!,
                r.GetProperty("rule").GetString()!,
                r.GetProperty("test").GetString()!,
                r.GetProperty("expected").GetBoolean(),
                r.GetProperty("concept").GetString()!,
                r.TryGetProperty("principal", out var p) ? p.GetString() : null,
                r.GetProperty("log").GetRawText());
        })];

    /// <summary>The case's record through its provider's reader (address twins included), each event scored by one fresh engine.</summary>
    internal static Outcome Replay(Case c) => Replay(c, c.Log);

    private static Outcome Replay(Case c, string log)
    {
        var refused = new List<SkippedItem>();
        var events = SourceFileReaders.All[c.Format](new MemoryStream(Encoding.UTF8.GetBytes(log)), ReadAt, refused.Add).ToList();
        var engine = new ScoringEngine(Options, DefaultPolicy.Load(), null, new RuleSetHolder(Library.Value));
        var alerts = new List<Alert>();
        foreach (var e in events)
        {
            if (engine.Score(e).Alert is { } alert)
            {
                alerts.Add(alert);
            }
        }

        return new Outcome(c, events, refused, alerts);
    }

    private static string Table(IReadOnlyList<Outcome> outcomes)
    {
        var rows = new StringBuilder();
        rows.Append("| # | Panther rule · test | concept | Panther | ZtStream | as mapped (kind · principal · address · outcome · time) | verdict |\n");
        rows.Append("|---|---|---|---|---|---|---|\n");
        foreach (var o in outcomes)
        {
            var c = o.Case;
            var twin = Twin(o, outcomes);
            var verdict = o.Refused.Count > 0 ? (o.Agrees ? "refused (quiet, as labelled)" : "**refused**")
                : o.Agrees ? "agrees"
                : twin is not null ? $"agrees: the same record is row {twin.Case.Number}'s positive, and the alert is for that"
                : c.Expected ? "**miss**" : "**false alarm**";
            var why = Why.TryGetValue($"{c.Rule} · {c.Test}", out var reason) ? $": {reason}" : "";
            rows.Append(CultureInfo.InvariantCulture, $"| {c.Number} | `{c.Rule}` · {Cell(c.Test)} | {c.Concept} | {(c.Expected ? "alert" : "none")} | {Said(o)} | {Mapped(o)} | {verdict}{Cell(why)} |\n");
        }

        var trues = outcomes.Where(o => o.Case.Expected).ToList();
        var falses = outcomes.Where(o => !o.Case.Expected).ToList();
        rows.Append('\n');
        rows.Append(CultureInfo.InvariantCulture,
            $"**{outcomes.Count} cases** ({outcomes.Select(o => o.Case.Rule).Distinct().Count()} Panther rules): {trues.Count(o => o.Alerted)} of {trues.Count} labelled true alerted on their principal; ")
            .Append(CultureInfo.InvariantCulture, $"{falses.Count(o => !o.Alerted)} of {falses.Count} labelled false quiet, ")
            .Append(CultureInfo.InvariantCulture, $"{falses.Count(o => o.Alerted && Twin(o, outcomes) is not null)} more alerted for another rule's concept (its record labelled true there); ")
            .Append(CultureInfo.InvariantCulture, $"{outcomes.Count(o => o.Refused.Count > 0)} records refused ({trues.Count(o => o.Refused.Count > 0)} of them labelled true).\n");
        return rows.ToString();
    }

    /// <summary>
    /// A case labelled false whose record another Panther rule labels true: Panther's false says "not this rule's
    /// concept", so an alert for the other rule's concept is no false alarm.
    /// </summary>
    private static Outcome? Twin(Outcome o, IReadOnlyList<Outcome> outcomes) =>
        o.Case.Expected ? null : outcomes.FirstOrDefault(x => x.Case.Expected && x.Case.Log == o.Case.Log && x.Alerted);

    private static string Said(Outcome o)
    {
        if (o.Refused.Count > 0)
        {
            return $"refused (`{o.Refused[0].Field}`: {Cell(o.Refused[0].Reason)})";
        }

        var top = o.Alerts.OrderByDescending(a => a.Score).FirstOrDefault();
        return top is null || top.Score < Options.AlertThreshold
            ? "no alert"
            : string.Create(CultureInfo.InvariantCulture, $"alert {top.Score} on `{top.Principal}` ({string.Join(", ", top.Reasons.Select(r => $"`{r.Rule}`"))})");
    }

    private static string Mapped(Outcome o) => o.Events.FirstOrDefault() is not { } e
        ? "—"
        : string.Create(CultureInfo.InvariantCulture,
            $"`{e.Kind}` · `{e.Subject?.Id}` · {e.Network?.SrcIp ?? "—"} · {e.Outcome ?? "—"} · {e.Time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}{TimeSource(e)}");

    /// <summary>Where an undated record's time came from (<c>ingest.time_source</c>), after it.</summary>
    private static string TimeSource(AccessEvent e) =>
        e.Attributes?.TryGetValue(SourceAttributes.TimeSource, out var source) == true ? $" ({source.GetString()})" : "";

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
