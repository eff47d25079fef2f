using System.Globalization;

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

    /// <summary>
    /// A session lifetime of zero or less was refused only with single sign-on on: off, it was taken with nothing said,
    /// to end every session at once the day Authority is set.
    /// </summary>
    [Theory]
    [InlineData("00:00:00", null, "Responder:Sso:SessionLifetime must be positive (is 00:00:00)")]
    [InlineData("-00:01:00", null, "Responder:Sso:SessionLifetime must be positive (is -00:01:00)")]
    [InlineData(null, "00:00:00", "Responder:Sso:MaxSessionLifetime must be positive (is 00:00:00)")]
    [InlineData(null, "-1.00:00:00", "Responder:Sso:MaxSessionLifetime must be positive (is -1.00:00:00)")]
    public void Validate_LifetimeNotPositive_IsRefusedWithSingleSignOnOnOrOff(string? session, string? max, string expected)
    {
        foreach (var authority in new string?[] { null, "https://idp.acme.example" })
        {
            var options = new ConsoleSsoOptions
            {
                Authority = authority,
                ClientId = "ztstream",
                SessionLifetime = session is null ? TimeSpan.FromHours(8) : TimeSpan.Parse(session, CultureInfo.InvariantCulture),
                MaxSessionLifetime = max is null ? TimeSpan.FromHours(12) : TimeSpan.Parse(max, CultureInfo.InvariantCulture),
            };

            Assert.Equal(expected, Assert.Single(ConsoleSsoOptionsValidator.Validate(options)));
        }
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
