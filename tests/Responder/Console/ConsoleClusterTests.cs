using ZtStream.Responder.Suppressions;

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
        await using var session = await ConsoleTests.BrowserSession.OnAlertAsync(host, ResponderTestHost.AnalystToken, "stg-ui");
        var page = session.Page;

        await Assertions.Expect(page.GetByTestId("alert-workloads")).ToContainTextAsync("workload payments/api-7d9f in cluster stag\u27E8U+200B\u27E9ing");
        var row = ConsoleTests.ActionRow(page, action.Id);
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

        var row = ConsoleTests.AlertRow(page, "sa-prod");
        await Assertions.Expect(row.GetByTestId("principal")).ToHaveTextAsync("system:serviceaccount:ci:deployer in cluster prod\u27E8U+202E\u27E9eu");
        await row.ClickAsync();
        await Assertions.Expect(page.GetByTestId("alert-title")).ToContainTextAsync("system:serviceaccount:ci:deployer in cluster prod\u27E8U+202E\u27E9eu");
    }

    /// <summary>
    /// A suppression made from an alert on an identity of one cluster holds in that cluster; the console offers a responder,
    /// and only a responder, to make it hold in every cluster. Checked, the stored suppression is the every-cluster one
    /// ("*") and its row says it was asked for; unchecked, it holds in the alert's cluster only.
    /// </summary>
    [Fact]
    public async Task Suppress_InEveryCluster_OfferedToResponderOnly_AndStoredAsAskedFor()
    {
        var alert = TestAlerts.Critical("sa-every", principal: "system:serviceaccount:ci:deployer") with { PrincipalCluster = "prod-eu" };
        var local = TestAlerts.Critical("sa-local", principal: "system:serviceaccount:ci:builder") with { PrincipalCluster = "prod-eu" };
        await using var host = await StartAsync(new RecordingIsolator(), alert, local);

        await using (var analyst = await ConsoleTests.BrowserSession.SignInAsync(host, ResponderTestHost.AnalystToken))
        {
            await ConsoleTests.AlertRow(analyst.Page, "sa-every").ClickAsync();
            await Assertions.Expect(analyst.Page.GetByTestId("suppress")).ToBeVisibleAsync();
            await Assertions.Expect(analyst.Page.GetByTestId("suppress-every-cluster")).ToHaveCountAsync(0);
        }

        await using var session = await ConsoleTests.BrowserSession.OnAlertAsync(host, ResponderTestHost.ResponderToken, "sa-every");
        var page = session.Page;
        await Assertions.Expect(page.Locator("label[for=suppress-every-cluster]")).ToHaveTextAsync("in every cluster, not only prod-eu");
        await page.GetByTestId("suppress-every-cluster").CheckAsync();
        await page.GetByTestId("suppress-note").FillAsync("the deployer is the same account in every cluster");
        await page.GetByTestId("suppress-create").ClickAsync();

        var row = page.GetByTestId("suppression-row");
        await Assertions.Expect(row.GetByTestId("suppression-for")).ToHaveTextAsync("system:serviceaccount:ci:deployer on " + alert.ResourceClass + " in every cluster (asked for)");
        var everywhere = Assert.Single(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "sa-every"), Ct));
        Assert.Equal((SuppressionRecord.EveryCluster, (string?)null), (everywhere.Cluster, everywhere.VerifierCluster));
        await Assertions.Expect(page.GetByTestId("suppress-every-cluster")).Not.ToBeCheckedAsync();

        await page.GotoAsync(new Uri(host.BaseAddress!, "/console/#/alerts/sa-local").ToString());
        await Assertions.Expect(page.GetByTestId("suppress-every-cluster")).Not.ToBeCheckedAsync();
        await page.GetByTestId("suppress-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("suppression-row").GetByTestId("suppression-for"))
            .ToHaveTextAsync("system:serviceaccount:ci:builder on " + local.ResourceClass + " in cluster prod-eu");
        var one = Assert.Single(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(AlertId: "sa-local"), Ct));
        Assert.Equal("prod-eu", one.Cluster);
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
