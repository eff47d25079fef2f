namespace ZtStream.Responder.Tests.Notifications;

/// <summary>Section <c>Responder:Notifications</c>: every problem named at once, and which alerts a route takes.</summary>
public sealed class NotificationOptionsTests
{
    [Fact]
    public void Validate_BadSection_ListsEveryProblem()
    {
        var options = new NotificationOptions
        {
            Targets = new()
            {
                ["hook"] = new() { Kind = "webhook", Url = new Uri("ftp://example.test/") },
                ["pd"] = new() { Kind = "pagerduty" },
                ["mail"] = new() { Kind = "email", Smtp = new SmtpOptions { From = "not an address", Port = 0 } },
                ["pager"] = new() { Kind = "sms" },
            },
            Routes = [new NotificationRouteOptions { Name = "r", Targets = ["hook", "missing"], MinSeverity = "severe", MaxPerWindow = -1 }, new NotificationRouteOptions { Name = "R" }],
            MaxAttempts = 0,
        };

        var problems = NotificationOptionsValidator.Validate(options);

        ProblemList.AssertNames(
            problems,
            "Targets:hook:Url must be an absolute http(s) URL (got 'ftp://example.test/')",
            "Targets:hook:Secret is required",
            "Targets:pd:RoutingKey",
            "Targets:mail:Smtp:Host is required",
            "Targets:mail:Smtp:Port 0",
            "Targets:mail:Smtp:From 'not an address'",
            "Targets:mail:Smtp:To names no recipient",
            "Targets:pager:Kind 'sms'",
            "Routes:0:Targets: 'missing' is not a target",
            "Routes:0:MinSeverity 'severe'",
            "Routes:0:MaxPerWindow",
            "Routes:1:Name 'R' is used twice",
            "Routes:1:Targets names no target",
            "MaxAttempts must be at least 1");
    }

    [Fact]
    public void Validate_UsableSection_HasNoProblem()
    {
        var options = new NotificationOptions
        {
            Targets = new()
            {
                ["pd"] = new() { Kind = "pagerduty", RoutingKey = "k" },
                ["mail"] = new() { Kind = "email", Smtp = new SmtpOptions { Host = "smtp.example.test", From = "zt@example.test", To = ["soc@example.test"] } },
            },
            Routes = [new NotificationRouteOptions { Name = "all", Targets = ["pd", "mail"] }],
        };

        Assert.Empty(NotificationOptionsValidator.Validate(options));
    }

    [Fact]
    public void Route_Matches_BySeverityDetectorRuleTechniqueAndNamespace()
    {
        var alert = TestAlerts.Critical("al", workload: new AlertWorkload("wl", "payments", "api")) with { Severity = Severities.High };
        var techniques = new[] { "T1552.007" };

        Assert.True(new NotificationRouteOptions { MinSeverity = "high" }.Matches(alert, techniques));
        Assert.False(new NotificationRouteOptions { MinSeverity = "critical" }.Matches(alert, techniques));
        Assert.True(new NotificationRouteOptions { Detectors = ["POLICY"] }.Matches(alert, techniques));
        Assert.False(new NotificationRouteOptions { Detectors = ["baseline"] }.Matches(alert, techniques));
        Assert.True(new NotificationRouteOptions { Rules = ["token_workload_mismatch"] }.Matches(alert, techniques));
        Assert.False(new NotificationRouteOptions { Rules = ["exec_into_pod"] }.Matches(alert, techniques));
        Assert.True(new NotificationRouteOptions { Techniques = ["T1552"] }.Matches(alert, techniques));
        Assert.False(new NotificationRouteOptions { Techniques = ["T1555"] }.Matches(alert, techniques));
        Assert.False(new NotificationRouteOptions { Techniques = ["T1552.00"] }.Matches(alert, techniques));
        Assert.True(new NotificationRouteOptions { Namespaces = ["payments"] }.Matches(alert, techniques));
        Assert.False(new NotificationRouteOptions { Namespaces = ["default"] }.Matches(alert, techniques));
        Assert.False(new NotificationRouteOptions { Namespaces = ["payments"] }.Matches(alert with { Workload = null }, techniques));
    }
}
