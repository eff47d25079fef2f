namespace ZtStream.Responder.Tests.Console.SignIn;

public sealed class ConsoleSsoOptionsTests
{
    [Fact]
    public void Validate_Off_HasNoProblems() => Assert.Empty(ConsoleSsoOptionsValidator.Validate(new ConsoleSsoOptions()));

    [Fact]
    public void Validate_BadSection_ListsEveryProblem()
    {
        var problems = ConsoleSsoOptionsValidator.Validate(new ConsoleSsoOptions
        {
            Authority = "http://idp.acme.example",
            RoleClaim = " ",
            RoleMap = new() { ["soc"] = "superuser" },
            SessionLifetime = TimeSpan.Zero,
        });

        Assert.Equal(5, problems.Count);
        ProblemList.AssertNames(
            problems,
            "Responder:Sso:Authority must use https",
            "Responder:Sso:ClientId is required",
            "Responder:Sso:RoleClaim",
            "Responder:Sso:RoleMap:soc must be one of viewer, analyst, responder, admin, not 'superuser'",
            "SessionLifetime");
    }

    [Theory]
    [InlineData(new[] { "soc-analysts" }, "analyst")]
    [InlineData(new[] { "everyone", "soc-analysts", "soc-leads" }, "admin")]
    [InlineData(new[] { "viewer" }, "viewer")]
    [InlineData(new[] { "responder", "soc-analysts" }, "responder")]
    [InlineData(new[] { "marketing", "Analyst" }, null)]
    [InlineData(new string[0], null)]
    public void RoleOf_MapsClaimValues_TheHighestWins(string[] values, string? expected)
    {
        var map = new Dictionary<string, string> { ["soc-analysts"] = "analyst", ["soc-leads"] = "admin" };
        Assert.Equal(expected, ConsoleSignIn.RoleOf(values, map));
    }
}
