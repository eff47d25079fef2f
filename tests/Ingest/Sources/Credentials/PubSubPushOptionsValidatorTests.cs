using Microsoft.Extensions.Options;
using ZtStream.TestSupport.Assertions;

namespace ZtStream.Ingest.Tests.Sources.Credentials;

public sealed class PubSubPushOptionsValidatorTests
{
    [Fact]
    public void Check_DefaultsWithOneSource_AreFineAndUseGooglesKeys()
    {
        var options = new PubSubPushOptions
        {
            Sources = { ["gke-prod"] = new PubSubPushSourceOptions { ServiceAccounts = ["push@p.iam.gserviceaccount.com"], Audiences = ["https://ingest.example.com/v1/sources/k8s-audit"] } },
        };

        Assert.Empty(PubSubPushOptionsValidator.Validate(options));
        Assert.Equal("https://www.googleapis.com/oauth2/v3/certs", options.Sources["gke-prod"].JwksUri.ToString());
    }

    [Fact]
    public void Check_EveryProblem_IsListedAtOnce()
    {
        var options = new PubSubPushOptions
        {
            JwksCacheTime = TimeSpan.Zero,
            Sources =
            {
                ["GKE Prod"] = new PubSubPushSourceOptions { Audiences = [" "], JwksUri = new Uri("http://keys.example.com/certs") },
                ["gke-dev"] = new PubSubPushSourceOptions { ServiceAccounts = ["not-an-email"], Audiences = ["https://ingest.example.com/v1/sources/k8s-audit"] },
            },
        };

        var problems = PubSubPushOptionsValidator.Validate(options);

        Assert.Equal(6, problems.Count);
        ProblemList.AssertNames(
            problems,
            "Ingest:PubSubPush:JwksCacheTime",
            "Ingest:PubSubPush:Sources:GKE Prod: 'GKE Prod' is not a source name",
            "Ingest:PubSubPush:Sources:GKE Prod:ServiceAccounts is required",
            "Ingest:PubSubPush:Sources:GKE Prod:Audiences: an audience may not be empty",
            "Ingest:PubSubPush:Sources:GKE Prod:JwksUri must be https",
            "Ingest:PubSubPush:Sources:gke-dev:ServiceAccounts: 'not-an-email'");
    }

    /// <summary>
    /// Pub/Sub's default audience is the push endpoint URL, but the URL a request reached is only what its sender says
    /// (<c>Host</c>): a token for another endpoint would pass for it. So the audience is configured, and its absence stops
    /// the start.
    /// </summary>
    [Fact]
    public async Task Start_WithASourceWithoutAudiences_StopsNamingTheSetting()
    {
        var settings = new Dictionary<string, string?> { ["Ingest:PubSubPush:Sources:gke-prod:ServiceAccounts:0"] = "push@prod.iam.gserviceaccount.com" };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await IngestServer.StartInProcessAsync(settings));

        Assert.Contains("Ingest:PubSubPush:Sources:gke-prod:Audiences is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithASourceWithoutServiceAccounts_StopsNamingTheSetting()
    {
        var settings = new Dictionary<string, string?> { ["Ingest:PubSubPush:Sources:gke-prod:Audiences:0"] = "https://ingest.example.com/v1/sources/k8s-audit" };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await IngestServer.StartInProcessAsync(settings));

        Assert.Contains("Ingest:PubSubPush:Sources:gke-prod:ServiceAccounts is required", error.Message, StringComparison.Ordinal);
    }
}
