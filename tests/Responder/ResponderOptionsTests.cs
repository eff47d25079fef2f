namespace ZtStream.Responder.Tests;

public sealed class ResponderOptionsTests
{
    [Fact]
    public void Validate_BadSection_ListsEveryProblem()
    {
        var options = new ResponderOptions
        {
            PolicyPath = "/nonexistent/response.yaml",
            CommandRetries = -1,
            SchedulerInterval = TimeSpan.Zero,
            VerdictSuppression = TimeSpan.FromDays(120),
            ApiTokens =
            [
                new ApiTokenOptions { Name = "ana", Role = "root", Token = "short" },
                new ApiTokenOptions { Name = "ana", Role = "analyst" },
                new ApiTokenOptions { Name = "bob", Role = "responder", TokenSha256 = "xyz" },
            ],
        };

        var result = new ResponderOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("PolicyPath", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("CommandRetries", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("SchedulerInterval", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Role must be", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("at least 32", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("used twice", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("exactly one of Token or TokenSha256", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("64 hex digits", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("VerdictSuppression must be at most 90 days", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("viewer, analyst, responder, admin, not 'root'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_PolicyFileProblems_AreListedWithTheOthers()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "bad.yaml");
        File.WriteAllText(path, "budget:\n  max_automatic: -2\nisolation:\n  default_ttl: forever\n");

        var result = new ResponderOptionsValidator().Validate(null, new ResponderOptions { PolicyPath = path, FeedToken = "short" });

        var failures = result.Failures!.ToList();
        Assert.Contains(failures, f => f.Contains("max_automatic", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("default_ttl", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("FeedToken", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Defaults_Pass() => Assert.True(new ResponderOptionsValidator().Validate(null, new ResponderOptions()).Succeeded);
}
