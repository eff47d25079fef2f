namespace ZtStream.EndToEnd.Rules;

/// <summary>
/// A staged rule as a SOC uses it, through one <c>ztstream run</c> (Ingest, Verifier and Responder with a response
/// policy that revokes on every alert and on the rule by name): its match shows as a staged alert with its evidence and
/// revokes nothing, while a live alert of the same principal, raised after it, is revoked; promoted by editing its file,
/// the rule's next match is a live alert, and revoked.
/// </summary>
public sealed class StagedRulesThroughTheBinaryTests() : ProcessTests("zt-e2e-staged-")
{
    private const string ApiToken = "e2e-staged-token-0123456789abcdef0123456789abc";
    private const string RuleId = "e2e-token-export";

    private static string ExportRule(bool staged) => $"""
        id: {RuleId}
        title: Token used for a bulk export
        severity: critical
        techniques: [T1530]
        {(staged ? "staged: true" : "")}
        detection:
          export:
            kind: access.request
            resource.id: /api/export
          condition: export
        """;

    [Fact]
    public async Task StagedRule_ShowsItsMatch_AndRevokesNothing_UntilPromotedByAReload()
    {
        var ct = Ct;
        var rules = Directory.CreateDirectory(Path.Combine(Processes.Folder.FullName, "rules")).FullName;
        var ruleFile = Path.Combine(rules, "export.yaml");
        await File.WriteAllTextAsync(ruleFile, ExportRule(staged: true), ct);
        var (run, ingest, api) = await StartAsync(rules, [], ct);
        using var _ = ingest;
        using var __ = api;

        // Sam's export matches the staged rule; then Sam's expired token raises a live alert. Both are Sam's, so the
        // Responder takes them in that order: once the live one is revoked, the staged one was decided on before it.
        var export = Export("sam@example.com", "jti-sam-export");
        await IngestEvents.PostAcceptedAsync(ingest, [export]);
        await IngestEvents.PostAcceptedAsync(ingest, [IngestEvents.ExpiredTokenGet($"sam-expired-{Guid.NewGuid():N}", "sam@example.com", "jti-sam-expired", "/api/orders")]);
        await WaitRevokedAsync(api, "jti-sam-expired", run, ct);

        var staged = Assert.Single(await ListAsync(api, "?principal=sam%40example.com&staged=true", ct));
        Assert.True(staged.GetProperty("staged").GetBoolean());
        var reason = Assert.Single(staged.GetProperty("reasons").EnumerateArray().ToList());
        Assert.Equal(RuleId, reason.GetProperty("rule").GetString());
        Assert.Equal("export.yaml", reason.GetProperty("rule_file").GetString());
        Assert.Equal(export.Id, Assert.Single(staged.GetProperty("evidence").EnumerateArray().ToList()).GetProperty("event_id").GetString());
        var live = Assert.Single(await ListAsync(api, "?principal=sam%40example.com&staged=false", ct));
        Assert.DoesNotContain(live.GetProperty("reasons").EnumerateArray(), r => r.GetProperty("rule").GetString() == RuleId);
        Assert.DoesNotContain(await ZtStreamApi.ActionsAsync(api, "revoke_token", ct), a => a.GetProperty("jti").GetString() == "jti-sam-export");

        // Promoted: the file no longer says staged; the reload says so, and the next export is a live alert, revoked.
        await File.WriteAllTextAsync(ruleFile, ExportRule(staged: false), ct);
        await WaitLoggedAsync(run, $"Rule {RuleId} promoted from staged to live", ct);
        await ExpectLiveAndRevokedAsync(ingest, api, run, "tia@example.com", "jti-tia-export", ct);
        Assert.DoesNotContain(await ZtStreamApi.ActionsAsync(api, "revoke_token", ct), a => a.GetProperty("jti").GetString() == "jti-sam-export");
    }

    /// <summary>
    /// A vendor's rule is staged by <c>Verifier:Rules:Staged</c> in the <c>--config</c> file, not by its own file; the SOC
    /// promotes it by editing that list while <c>ztstream run</c> runs. A typo in the list changes nothing (the rule stays
    /// staged, the problem logged), a change of a key read at start is named as needing a restart, and emptying the list
    /// promotes the rule: its next match is a live alert, revoked.
    /// </summary>
    [Fact]
    public async Task RuleStagedByTheConfigFile_IsPromotedByEditingTheFile_WithoutARestart()
    {
        var ct = Ct;
        var rules = Directory.CreateDirectory(Path.Combine(Processes.Folder.FullName, "rules")).FullName;
        await File.WriteAllTextAsync(Path.Combine(rules, "export.yaml"), ExportRule(staged: false), ct);
        var config = Path.Combine(Processes.Folder.FullName, "ztstream.json");
        await File.WriteAllTextAsync(config, StagedConfig($"\"{RuleId}\""), ct);
        var (run, ingest, api) = await StartAsync(rules, ["--config", config], ct);
        using var _ = ingest;
        using var __ = api;

        await IngestEvents.PostAcceptedAsync(ingest, [Export("sam@example.com", "jti-sam-export")]);
        await WaitStagedAlertAsync(api, run, "sam%40example.com", ct);

        // A typo would leave the rule it meant... promoted here: refused, the rule stays staged.
        await File.WriteAllTextAsync(config, StagedConfig("\"e2e-token-exprot\""), ct);
        await WaitLoggedAsync(run, "'e2e-token-exprot' names no loaded rule", ct);
        await IngestEvents.PostAcceptedAsync(ingest, [Export("kim@example.com", "jti-kim-export")]);
        await WaitStagedAlertAsync(api, run, "kim%40example.com", ct);

        // Emptied, with a key read at start changed beside it: promoted, and the other key named.
        await File.WriteAllTextAsync(config, StagedConfig("", """, "MaxOpenAlerts": 5000"""), ct);
        await WaitLoggedAsync(run, $"Rule {RuleId} promoted from staged to live", ct);
        Assert.Contains("changed Verifier:MaxOpenAlerts, which are read when the process starts", run.Output, StringComparison.Ordinal);
        await ExpectLiveAndRevokedAsync(ingest, api, run, "tia@example.com", "jti-tia-export", ct);
        Assert.DoesNotContain(await ZtStreamApi.ActionsAsync(api, "revoke_token", ct), a => a.GetProperty("jti").GetString() is "jti-sam-export" or "jti-kim-export");
    }

    private static string StagedConfig(string staged, string more = "") => $$"""{ "Verifier": { "Rules": { "Staged": [{{staged}}] }{{more}} } }""";

    private async Task<(ZtStreamProcess Run, HttpClient Ingest, HttpClient Api)> StartAsync(string rules, string[] arguments, CancellationToken ct)
    {
        var policy = await ResponsePolicies.WriteAsync(Processes.Folder, $"""
              - name: revoke-on-the-rule
                rule: rule/{RuleId}
                action: revoke_token
                mode: automatic
              - name: revoke-anything
                severity: low
                action: revoke_token
                mode: automatic
            """);
        var db = Processes.SqlitePath;
        var key = await Processes.AddSourceAsync("e2e-app", ["--subjects", "*", "--sqlite", db], ct);
        var run = await Processes.RunAsync("ztstream", [
            "--sqlite", db,
            "--set", "Verifier:ModelEnabled=false",
            "--set", $"Verifier:Rules:Paths:0={rules}",
            "--set", "Verifier:Rules:ReloadDelay=00:00:00.2",
            .. ResponsePolicies.ResponderSettings(policy, ApiToken),
            .. arguments,
        ], ct);
        return (run, ZtStreamApi.Client(run.Url, key), ZtStreamApi.Client(run.Url, ApiToken));
    }

    private static async Task WaitLoggedAsync(ZtStreamProcess run, string text, CancellationToken ct) =>
        Assert.True(
            await Eventually.WithinAsync(() => Task.FromResult(run.Output.Contains(text, StringComparison.Ordinal)), ZtStreamApi.Timeout, ct),
            $"'{text}' not logged:\n{run.Output}");

    private static async Task WaitStagedAlertAsync(HttpClient api, ZtStreamProcess run, string principal, CancellationToken ct) =>
        Assert.True(
            await Eventually.WithinAsync(async () => (await ListAsync(api, $"?principal={principal}&staged=true", ct)).Count == 1, ZtStreamApi.Timeout, ct),
            $"no staged alert for {principal}:\n{run.Output}");

    /// <summary><paramref name="subject"/>'s export raises a live alert naming the rule, and its token is revoked.</summary>
    private static async Task ExpectLiveAndRevokedAsync(HttpClient ingest, HttpClient api, ZtStreamProcess run, string subject, string jti, CancellationToken ct)
    {
        await IngestEvents.PostAcceptedAsync(ingest, [Export(subject, jti)]);
        await WaitRevokedAsync(api, jti, run, ct);
        var promoted = Assert.Single(await ListAsync(api, $"?principal={Uri.EscapeDataString(subject)}", ct));
        Assert.False(promoted.TryGetProperty("staged", out _));
        Assert.Contains(promoted.GetProperty("reasons").EnumerateArray(), r => r.GetProperty("rule").GetString() == RuleId);
    }

    /// <summary><paramref name="subject"/>'s export with a valid token <paramref name="jti"/>: only the rule finds anything in it.</summary>
    private static AccessEvent Export(string subject, string jti)
    {
        var now = DateTimeOffset.UtcNow;
        return new AccessEvent
        {
            Id = $"{subject}-export-{Guid.NewGuid():N}",
            Time = now,
            Kind = EventKinds.AccessRequest,
            Subject = new Subject { Id = subject, Type = "user" },
            Token = new TokenInfo { Jti = jti, ClientId = "shop-web", IssuedAt = now.AddMinutes(-5), ExpiresAt = now.AddMinutes(55) },
            Resource = new ResourceRef { Type = "http_route", Id = "/api/export" },
            Action = "GET",
            Outcome = Outcomes.Success,
            Status = 200,
            Bytes = 2048,
        };
    }

    private static async Task<List<JsonElement>> ListAsync(HttpClient api, string query, CancellationToken ct)
    {
        using var doc = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/v1/alerts{query}", UriKind.Relative), ct));
        return [.. doc.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("alert").Clone())];
    }

    private static async Task WaitRevokedAsync(HttpClient api, string jti, ZtStreamProcess run, CancellationToken ct) =>
        Assert.True(
            await Eventually.WithinAsync(
                async () => (await ZtStreamApi.ActionsAsync(api, "revoke_token", ct)).Any(a => a.GetProperty("jti").GetString() == jti && a.GetProperty("state").GetString() == "done"),
                ZtStreamApi.Timeout,
                ct),
            $"{jti} was not revoked within {ZtStreamApi.Timeout.TotalSeconds} s:\n{run.Output}");
}
