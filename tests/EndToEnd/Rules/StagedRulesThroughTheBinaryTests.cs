namespace ZtStream.EndToEnd.Rules;

/// <summary>
/// A staged rule as a SOC uses it, through one <c>ztstream run</c> (Ingest, Verifier and Responder with a response
/// policy that revokes on every alert and on the rule by name): its match shows as a staged alert with its evidence and
/// revokes nothing, while a live alert of the same principal, raised after it, is revoked; promoted by editing its file,
/// the rule's next match is a live alert, and revoked.
/// </summary>
public sealed class StagedRulesThroughTheBinaryTests : IAsyncDisposable
{
    private const string ApiToken = "e2e-staged-token-0123456789abcdef0123456789abc";
    private const string RuleId = "e2e-token-export";
    private readonly ZtStreamProcesses processes = new("zt-e2e-staged-");

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
        var rules = Directory.CreateDirectory(Path.Combine(processes.Folder.FullName, "rules")).FullName;
        var ruleFile = Path.Combine(rules, "export.yaml");
        await File.WriteAllTextAsync(ruleFile, ExportRule(staged: true), ct);
        var policy = await ResponsePolicies.WriteAsync(processes.Folder, $"""
              - name: revoke-on-the-rule
                rule: rule/{RuleId}
                action: revoke_token
                mode: automatic
              - name: revoke-anything
                severity: low
                action: revoke_token
                mode: automatic
            """);
        var db = Path.Combine(processes.Folder.FullName, "zt.db");
        var key = await processes.AddSourceAsync("e2e-app", ["--subjects", "*", "--sqlite", db], ct);
        var run = await processes.StartAsync("ztstream", [
            "run", "--sqlite", db, "--urls", "http://127.0.0.1:0",
            "--set", "Verifier:ModelEnabled=false",
            "--set", $"Verifier:Rules:Paths:0={rules}",
            "--set", "Verifier:Rules:ReloadDelay=00:00:00.2",
            .. ResponsePolicies.ResponderSettings(policy, ApiToken),
        ], waitForListening: true, ct);
        using var ingest = ZtStreamApi.Client(run.Url, key);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);

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
        Assert.True(
            await Eventually.WithinAsync(() => Task.FromResult(run.Output.Contains($"Rule {RuleId} promoted from staged to live", StringComparison.Ordinal)), ZtStreamApi.Timeout, ct),
            $"no promotion logged:\n{run.Output}");
        await IngestEvents.PostAcceptedAsync(ingest, [Export("tia@example.com", "jti-tia-export")]);
        await WaitRevokedAsync(api, "jti-tia-export", run, ct);
        var promoted = Assert.Single(await ListAsync(api, "?principal=tia%40example.com", ct));
        Assert.False(promoted.TryGetProperty("staged", out _));
        Assert.Contains(promoted.GetProperty("reasons").EnumerateArray(), r => r.GetProperty("rule").GetString() == RuleId);
        Assert.DoesNotContain(await ZtStreamApi.ActionsAsync(api, "revoke_token", ct), a => a.GetProperty("jti").GetString() == "jti-sam-export");
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

    public ValueTask DisposeAsync() => processes.DisposeAsync();
}
