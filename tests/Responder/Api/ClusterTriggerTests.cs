namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// A manual isolation names its workload's cluster (<c>cluster</c> of <c>POST /v1/actions</c>): the action keeps it, the
/// isolator acts there only, and a cluster it does not act in fails the action naming the cluster and the setting, in the
/// API and the audit trail, without the isolator being called.
/// </summary>
public sealed class ClusterTriggerTests
{
    private static Task<ResponderTestHost> StartAsync(RecordingIsolator isolator) =>
        new ResponderTestHost().With<IWorkloadIsolator>(isolator).StartAsync();

    private static async Task<JsonElement> TriggerAsync(HttpClient responder, string? cluster)
    {
        using var response = await responder.PostAsJsonAsync("/v1/actions", new { kind = "isolate_workload", workload_id = "pod-42", @namespace = "shop", name = "cart", cluster }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    [Fact]
    public async Task Trigger_InAClusterTheIsolatorActsIn_IsolatesThere_AndTheActionShowsIt()
    {
        var isolator = new RecordingIsolator { Clusters = IsolatorClusters.Single("prod-eu", "Recording:Cluster") };
        await using var host = await StartAsync(isolator);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var created = await TriggerAsync(responder, "prod-eu");
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal("prod-eu", created.GetProperty("cluster").GetString());
        Assert.Equal("workload shop/cart in cluster prod-eu", created.GetProperty("target").GetString());
        await host.UntilStateAsync(id, ActionStates.Active);

        Assert.Equal(["isolate pod-42 in prod-eu"], isolator.Calls);
        var shown = await responder.GetFromJsonAsync<JsonElement>($"/v1/actions/{id}", Ct);
        Assert.Equal("prod-eu", shown.GetProperty("cluster").GetString());

        Assert.Equal(HttpStatusCode.OK, (await responder.PostAsync($"/v1/actions/{id}/release", null, Ct)).StatusCode);
        await host.UntilStateAsync(id, ActionStates.Released);
        Assert.Equal(["isolate pod-42 in prod-eu", "release pod-42 in prod-eu"], isolator.Calls);
    }

    [Fact]
    public async Task Trigger_InAClusterTheIsolatorDoesNotActIn_FailsNamingIt_InTheApiAndTheAudit()
    {
        var isolator = new RecordingIsolator { Clusters = IsolatorClusters.Single("prod-eu", "Recording:Cluster") };
        await using var host = await StartAsync(isolator);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var id = (await TriggerAsync(responder, "staging")).GetProperty("id").GetGuid();
        await host.UntilStateAsync(id, ActionStates.Failed);

        Assert.Empty(isolator.Calls);
        var error = (await responder.GetFromJsonAsync<JsonElement>($"/v1/actions/{id}", Ct)).GetProperty("error").GetString()!;
        Assert.Contains("workload shop/cart is in cluster staging", error, StringComparison.Ordinal);
        Assert.Contains("acts only in cluster prod-eu", error, StringComparison.Ordinal);
        Assert.Contains("Recording:Cluster", error, StringComparison.Ordinal);
        var audit = await responder.GetFromJsonAsync<JsonElement>($"/v1/audit?action_id={id}&kind=action.failed", Ct);
        Assert.Contains("cluster staging", Assert.Single(audit.EnumerateArray()).GetProperty("summary").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadClusters => new()
    {
        { """{"kind":"isolate_workload","workload_id":"pod-42","cluster":""}""", "1 to 253 characters" },
        { """{"kind":"isolate_workload","workload_id":"pod-42","cluster":" prod-eu"}""", "white space" },
        { """{"kind":"isolate_workload","workload_id":"pod-42","cluster":"prod\u0000eu"}""", "control character" },
        { $$"""{"kind":"isolate_workload","workload_id":"pod-42","cluster":"{{new string('c', 254)}}"}""", "1 to 253 characters" },
        { """{"kind":"revoke_subject_sessions","subject_id":"jane","cluster":"prod-eu"}""", "only isolate_workload" },
    };

    [Theory]
    [MemberData(nameof(BadClusters))]
    public async Task Trigger_BadCluster_Is400NamingTheField_AndNothingIsStored(string body, string reason)
    {
        var isolator = new RecordingIsolator();
        await using var host = await StartAsync(isolator);
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        using var response = await responder.PostAsync("/v1/actions", new StringContent(body, Encoding.UTF8, "application/json"), Ct);

        var problem = await HttpProblem.ReadNamingAsync(response, HttpStatusCode.BadRequest, reason);
        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal("cluster", error.GetProperty("field").GetString());
        Assert.Equal(0, error.GetProperty("index").GetInt32());
        Assert.Empty(await host.Get<ActionStore>().QueryAsync(new ActionQuery(Limit: 10), Ct));
        Assert.Empty(isolator.Calls);
    }
}
