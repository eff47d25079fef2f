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
            MaxBodyBytes = 100,
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
        ProblemList.AssertNames(
            failures,
            "PolicyPath",
            "CommandRetries",
            "SchedulerInterval",
            "Role must be",
            "at least 32",
            "used twice",
            "exactly one of Token, TokenSha256 or TokenFile",
            "64 hex digits",
            "VerdictSuppression must be at most 90 days",
            "Responder:MaxBodyBytes must be 65536–67108864",
            "viewer, analyst, responder, admin, not 'root'");
    }

    [Fact]
    public void Validate_PolicyFileProblems_AreListedWithTheOthers()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "bad.yaml");
        File.WriteAllText(path, "budget:\n  max_automatic: -2\nisolation:\n  default_ttl: forever\n");

        var result = new ResponderOptionsValidator().Validate(null, new ResponderOptions
        {
            PolicyPath = path,
            ApiTokens = [new ApiTokenOptions { Name = "console", Role = "responder", TokenFile = Path.Combine(folder.Path, "no-such-folder", "t") }],
        });

        var failures = result.Failures!.ToList();
        ProblemList.AssertNames(
            failures,
            "max_automatic",
            "default_ttl",
            "Responder:ApiTokens:0:TokenFile");
    }

    [Fact]
    public void ValidateFeed_EveryProblemListed()
    {
        var failures = RevocationFeedOptionsValidator.Validate(new RevocationFeedOptions
        {
            Token = "short",
            TokenFile = "/tmp/x",
            DefaultExpiry = TimeSpan.Zero,
            MaxStreamsPerCredential = 0,
            MaxStreams = 2_000_000,
            PollInterval = TimeSpan.Zero,
            KeepAlive = TimeSpan.Zero,
            BufferSize = 0,
        });

        ProblemList.AssertNames(failures, "Token or TokenFile", "Token must be", "DefaultExpiry", "MaxStreamsPerCredential must", "MaxStreams must", "PollInterval", "KeepAlive", "BufferSize");

        Assert.Empty(RevocationFeedOptionsValidator.Validate(new RevocationFeedOptions()));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task TokenFiles_MissingFileIsMadeOnceOwnerOnly_AndServesAsTheConsoleToken()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "console.token");
        await using (var host = new ResponderTestHost(folder: folder.Path))
        {
            host.Settings["Responder:ApiTokens:3:Name"] = "console";
            host.Settings["Responder:ApiTokens:3:Role"] = "responder";
            host.Settings["Responder:ApiTokens:3:TokenFile"] = file;
            await host.StartAsync();

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            var token = File.ReadAllText(file).Trim();
            Assert.True(token.Length >= ResponderOptionsValidator.MinTokenLength);
            var me = await host.ClientFor(token).GetStringAsync("/v1/me", Ct);
            Assert.Contains("\"console\"", me, StringComparison.Ordinal);
        }

        var first = File.ReadAllText(file);
        await using (var again = new ResponderTestHost(folder: folder.Path))
        {
            again.Settings["Responder:ApiTokens:3:Name"] = "console";
            again.Settings["Responder:ApiTokens:3:Role"] = "responder";
            again.Settings["Responder:ApiTokens:3:TokenFile"] = file;
            await again.StartAsync();
            Assert.Equal(first, File.ReadAllText(file));
        }
    }

    [Fact]
    public void Validate_Defaults_Pass() => Assert.True(new ResponderOptionsValidator().Validate(null, new ResponderOptions()).Succeeded);
}
