namespace ZtStream.Responder.Tests.Suppressions;

/// <summary>
/// <c>cluster: "*"</c>: a suppression made from a cluster-local alert that holds in every cluster, on purpose
/// (docs/response.md "Suppressions: what each role may switch off"). A responder may ask it; it is kept and listed as
/// asked, audited as holding in every cluster, and the Verifier is told "every cluster". An analyst may not for a
/// cluster-local principal (403). Before, <c>*</c> was refused as a cluster no alert names.
/// </summary>
public partial class SuppressionApiTests
{
    [Theory]
    [InlineData("verdict")]
    [InlineData("status")]
    [InlineData("suppressions")]
    public async Task EveryCluster_AskedByAResponder_OnAClusterLocalAlert_HoldsEverywhere_AuditedAsSuch(string how)
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), InCluster("ec-1", Deployer, "staging", "staging"));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        using var response = how switch
        {
            "verdict" => await responder.PostAsJsonAsync("/v1/alerts/ec-1/verdict", new { verdict = "false_positive", cluster = "*" }, Ct),
            "status" => await responder.PostAsJsonAsync("/v1/alerts/ec-1/status", new { status = "false_positive", cluster = "*" }, Ct),
            _ => await responder.PostAsJsonAsync("/v1/suppressions", new { alert_id = "ec-1", scope = "principal", cluster = "*" }, Ct),
        };

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        var body = await JsonOf(response);
        var made = how == "suppressions" ? body : body.GetProperty("suppressions")[0];
        Assert.Equal("*", made.GetProperty("cluster").GetString());
        var sent = Assert.Single(Feedback(host));
        Assert.Equal((Deployer, null), (sent.Principal, sent.Cluster));
        var listed = await responder.GetFromJsonAsync<JsonElement>("/v1/suppressions?alert_id=ec-1", Ct);
        Assert.Equal("*", Assert.Single(listed.EnumerateArray()).GetProperty("cluster").GetString());
        var audit = Assert.Single(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.SuppressionCreated), Ct));
        Assert.Contains(Deployer, audit.Summary, StringComparison.Ordinal);
        Assert.EndsWith($" in every cluster (asked for: cluster *) until {made.GetProperty("expires_at").GetDateTimeOffset():O}", audit.Summary, StringComparison.Ordinal);
        Assert.Equal("rex", audit.Actor);
    }

    [Fact]
    public async Task EveryCluster_AskedByAnAnalyst_OnAClusterLocalAlert_Is403_NothingTold()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), InCluster("ec-2", Deployer, "staging", "staging"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        using var verdict = await analyst.PostAsJsonAsync("/v1/alerts/ec-2/verdict", new { verdict = "false_positive", cluster = "*" }, Ct);
        using var suppression = await analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = "ec-2", cluster = "*" }, Ct);

        foreach (var refused in new[] { verdict, suppression })
        {
            var detail = (await HttpProblem.ReadAsync(refused, HttpStatusCode.Forbidden)).GetProperty("detail").GetString()!;
            Assert.Contains("holds in cluster staging", detail, StringComparison.Ordinal);
            Assert.Contains("responder", detail, StringComparison.Ordinal);
        }

        Assert.Empty(Feedback(host));
        Assert.Equal(AlertStatuses.Open, (await host.Get<AlertStore>().GetAsync("ec-2", Ct))!.Status);
        Assert.Empty(await host.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.SuppressionCreated), Ct));
    }

    [Fact]
    public async Task EveryCluster_OfAPerson_OrAnAlertNamingNoCluster_IsWhatItSays_ForAnAnalystToo()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), InCluster("ec-3", "alice@acme.example", null, "staging"), TwoReasons("ec-4", Deployer));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);

        foreach (var id in new[] { "ec-3", "ec-4" })
        {
            using var made = await analyst.PostAsJsonAsync("/v1/suppressions", new { alert_id = id, cluster = "*" }, Ct);
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
            Assert.Equal("*", (await JsonOf(made)).GetProperty("cluster").GetString());
            Assert.Null(Feedback(host)[^1].Cluster);
        }
    }

    [Theory]
    [InlineData("", "1 to 253 characters")]
    [InlineData(" * ", "white space")]
    [InlineData("*\u0007", "control character")]
    public async Task EveryCluster_ANameOfNoClusterForm_Is400NamingCluster_AndSaysWhatIsTaken(string cluster, string reason)
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), InCluster("ec-5", Deployer, "staging", "staging"));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var error = await ErrorOf(await responder.PostAsJsonAsync("/v1/alerts/ec-5/verdict", new { verdict = "false_positive", cluster }, Ct));

        Assert.Equal((0, "cluster"), (error.Index, error.Field));
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Contains("or *: every cluster", error.Reason, StringComparison.Ordinal);
        Assert.Empty(Feedback(host));
    }

    [Fact]
    public async Task EveryCluster_Narrowing_KeepsItUnlessAClusterIsAsked_AndOneHeldInAClusterNeverWidensToIt()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync(StartAsync(), InCluster("ec-6", Deployer, "staging", "staging"));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var everywhere = await JsonOf(await responder.PostAsJsonAsync("/v1/suppressions", new { alert_id = "ec-6", scope = "principal", cluster = "*" }, Ct));
        var id = everywhere.GetProperty("id").GetString();

        // A narrowing of its rules keeps every cluster.
        using var rules = await responder.PatchAsJsonAsync($"/v1/suppressions/{id}", new { rules = new[] { "baseline/bytes_spike" } }, Ct);
        Assert.Equal(HttpStatusCode.OK, rules.StatusCode);
        Assert.Equal("*", (await JsonOf(rules)).GetProperty("cluster").GetString());
        Assert.Null(Feedback(host)[^1].Cluster);

        // Narrowed to its own cluster, it holds there; back to every cluster it cannot go.
        using var staging = await responder.PatchAsJsonAsync($"/v1/suppressions/{id}", new { cluster = "staging" }, Ct);
        Assert.Equal(HttpStatusCode.OK, staging.StatusCode);
        Assert.Equal("staging", (await JsonOf(staging)).GetProperty("cluster").GetString());
        Assert.Equal("staging", Feedback(host)[^1].Cluster);
        var widened = await ErrorOf(await responder.PatchAsJsonAsync($"/v1/suppressions/{id}", new { cluster = "*" }, Ct));
        Assert.Equal("cluster", widened.Field);
        Assert.Contains("cannot make it hold in every cluster", widened.Reason, StringComparison.Ordinal);
    }
}
