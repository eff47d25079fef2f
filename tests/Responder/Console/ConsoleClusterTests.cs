namespace ZtStream.Responder.Tests.Console;

/// <summary>
/// The console shows in which cluster an alert's workload runs and an action acts, and why an isolation for a cluster
/// the isolator does not act in failed; a cluster name is event data, shown with its invisible characters made visible.
/// </summary>
public sealed class ConsoleClusterTests
{
    private static Task<ResponderTestHost> StartAsync(RecordingIsolator isolator, params Alert[] alerts) =>
        ConsoleTests.StartWithAlertsAsync(new ResponderTestHost(Actions.ResponseFlowTests.IsolateCritical) { UseKestrel = true }.With<IWorkloadIsolator>(isolator), alerts);

    [Fact]
    public async Task AlertInAnotherCluster_ShowsItsClusterAndTheFailedIsolationNamingIt()
    {
        var isolator = new RecordingIsolator { Clusters = IsolatorClusters.Single("prod-eu", "Responder:Drivers:Kubernetes:Cluster") };
        var alert = TestAlerts.Critical("stg-ui", workload: new AlertWorkload("k8s:payments/api-7d9f", "payments", "api-7d9f") { Cluster = "stag\u200Bing" });
        await using var host = await StartAsync(isolator, alert);
        var action = Assert.Single(await host.Get<ActionStore>().QueryAsync(new ActionQuery(AlertId: "stg-ui"), Ct));
        await host.UntilStateAsync(action.Id, ActionStates.Failed);
        await using var session = await ConsoleTests.BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;

        await page.Locator("[data-testid=alert-row][data-alert-id=stg-ui]").ClickAsync();

        await Assertions.Expect(page.GetByTestId("alert-workloads")).ToContainTextAsync("workload payments/api-7d9f in cluster stag\u27E8U+200B\u27E9ing");
        var row = page.Locator($"[data-testid=action-row][data-action-id='{action.Id}']");
        await Assertions.Expect(row.GetByTestId("action-state")).ToHaveTextAsync(ActionStates.Failed);
        await Assertions.Expect(row).ToContainTextAsync("workload payments/api-7d9f in cluster stag\u27E8U+200B\u27E9ing");
        await Assertions.Expect(row.GetByTestId("action-detail")).ToContainTextAsync("is in cluster stag\u27E8U+200B\u27E9ing");
        await Assertions.Expect(row.GetByTestId("action-detail")).ToContainTextAsync("Responder:Drivers:Kubernetes:Cluster");
        Assert.Empty(isolator.Calls);
    }

    [Fact]
    public async Task PrincipalKeptPerCluster_QueueAndAlertNameItsCluster()
    {
        var alert = TestAlerts.Critical("sa-prod", principal: "system:serviceaccount:ci:deployer") with { PrincipalCluster = "prod\u202Eeu" };
        await using var host = await StartAsync(new RecordingIsolator(), alert);
        await using var session = await ConsoleTests.BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken);
        var page = session.Page;

        var row = page.Locator("[data-testid=alert-row][data-alert-id=sa-prod]");
        await Assertions.Expect(row.GetByTestId("principal")).ToHaveTextAsync("system:serviceaccount:ci:deployer in cluster prod\u27E8U+202E\u27E9eu");
        await row.ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-title")).ToContainTextAsync("system:serviceaccount:ci:deployer in cluster prod\u27E8U+202E\u27E9eu");
    }

    [Fact]
    public async Task Trigger_WithACluster_IsolatesThere_AndTheActionShowsIt()
    {
        var isolator = new RecordingIsolator { Clusters = IsolatorClusters.Single("prod-eu", "Responder:Drivers:Kubernetes:Cluster") };
        await using var host = await StartAsync(isolator);
        await using var session = await ConsoleTests.BrowserSession.SignInAsync(host, ResponderTestHost.ResponderToken);
        var page = session.Page;

        await page.GetByTestId("nav-trigger").ClickAsync();
        var form = page.GetByTestId("trigger-form");
        await form.Locator("select[name=kind]").SelectOptionAsync(ActionKinds.IsolateWorkload);
        await form.Locator("input[name=workload_id]").FillAsync("k8s:payments/ledger");
        await form.Locator("input[name=namespace]").FillAsync("payments");
        await form.Locator("input[name=name]").FillAsync("ledger");
        await form.Locator("input[name=cluster]").FillAsync("prod-eu");
        await form.Locator("button[type=submit]").ClickAsync();

        await Assertions.Expect(page.Locator("#flash")).ToContainTextAsync("triggered isolate_workload on workload payments/ledger in cluster prod-eu");
        var row = page.Locator("[data-testid=action-row]", new() { HasText = ActionKinds.IsolateWorkload });
        await Assertions.Expect(row.GetByTestId("action-state")).ToHaveTextAsync(ActionStates.Active);
        await Assertions.Expect(row).ToContainTextAsync("in cluster prod-eu");
        Assert.Equal(["isolate k8s:payments/ledger in prod-eu"], isolator.Calls);
    }
}
