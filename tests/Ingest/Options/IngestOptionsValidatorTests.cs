namespace ZtStream.Ingest.Tests.Options;

public sealed class IngestOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeed() =>
        Assert.True(new IngestOptionsValidator().Validate(null, new IngestOptions()).Succeeded);

    [Fact]
    public void Validate_ManyBadValues_ListsEveryProblem()
    {
        var options = new IngestOptions
        {
            Topic = " ",
            MaxBodyBytes = 10,
            MaxItemsPerBatch = 0,
            MaxIdLength = 1,
            MaxFieldLength = 1,
            MaxAttributesBytes = 1,
            MaxClockSkew = TimeSpan.FromSeconds(-1),
            MaxEventAge = TimeSpan.Zero,
            RatePerSecond = 0,
            RateBurst = 0,
            CredentialCacheTime = TimeSpan.FromHours(1),
        };

        var problems = IngestOptionsValidator.Validate(options);

        Assert.Equal(12, problems.Count);
        Assert.All(problems, p => Assert.StartsWith("Ingest:", p, StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Ingest:RatePerSecond", StringComparison.Ordinal));
        Assert.False(new IngestOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void Validate_IdentitySubjects_NamesTheUnknownProviderAndForm()
    {
        var problems = IngestOptionsValidator.Validate(new IngestOptions
        {
            IdentitySubjects = new Dictionary<string, string> { ["keycloak"] = "user_id", ["Auth0"] = "LOGIN", ["ping"] = "user_id", ["okta"] = "email" },
        });

        Assert.Equal(2, problems.Count);
        Assert.Contains("Ingest:IdentitySubjects:ping names no identity provider (one of okta, entra, keycloak, auth0, google-workspace)", problems);
        Assert.Contains("Ingest:IdentitySubjects:okta must be login or user_id (is 'email')", problems);
        Assert.True(new IngestOptions { IdentitySubjects = new Dictionary<string, string> { ["KeyCloak"] = "user_id" } }.SubjectIsUserId("keycloak"));
    }
}
