using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ZtStream.Responder.Tests.Drivers;

public sealed class ResponderDriversTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, int times = 1)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging(l => l.ClearProviders());
        services.AddStore(configuration);
        for (var i = 0; i < times; i++)
        {
            services.AddResponderDrivers(configuration);
        }

        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddResponderDrivers_NothingConfigured_RegistersNoExternalDriver()
    {
        using var provider = Build([]);

        Assert.Empty(provider.GetServices<ITokenRevoker>());
        Assert.Empty(provider.GetServices<IWorkloadIsolator>());
        Assert.Empty(provider.GetRequiredService<IOptions<ResponderDriversOptions>>().Value.Validate());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AddResponderDrivers_EnabledDrivers_AreRegisteredByName_OnceHoweverOftenAdded(int times)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Store:ConnectionString"] = Path.Combine(Path.GetTempPath(), $"ztstream-drivers-{Guid.NewGuid():N}.db"),
            ["Responder:Drivers:TokenRevokers:0"] = "oauth",
            ["Responder:Drivers:TokenRevokers:1"] = "SSF",
            ["Responder:Drivers:Isolation"] = "nftables",
            ["Responder:Drivers:OAuth:Endpoint"] = "https://idp.example.com/oauth2/revoke",
            ["Responder:Drivers:OAuth:ClientId"] = "ztstream",
            ["Responder:Drivers:OAuth:ClientSecret"] = "secret",
            ["Responder:Drivers:SharedSignals:Issuer"] = "https://ztstream.example.com",
            ["Responder:Drivers:SharedSignals:Receivers:crm:Endpoint"] = "https://crm.example.com/ssf/events",
            ["Responder:Drivers:SharedSignals:Receivers:crm:Audience"] = "https://crm.example.com",
        };

        using var provider = Build(settings, times);

        Assert.Equal(["oauth", "ssf"], provider.GetServices<ITokenRevoker>().Select(r => r.Name));
        Assert.Equal("nftables", Assert.Single(provider.GetServices<IWorkloadIsolator>()).Name);
        Assert.Same(provider.GetRequiredService<SsfDeliveryService>(), Assert.Single(provider.GetServices<IHostedService>().OfType<SsfDeliveryService>()));
        Assert.Single(provider.GetServices<IMigrationSource>().OfType<SsfMigrations>());
        var ssf = provider.GetRequiredService<SharedSignalsOptions>();
        Assert.Equal("https://ztstream.example.com/.well-known/jwks.json", ssf.EffectiveJwksUri().ToString());
        Assert.Equal("https://crm.example.com", ssf.Receivers["CRM"].Audience);
    }

    [Fact]
    public void AddResponderDrivers_KubernetesWithHost_UsesThatApiServer()
    {
        using var provider = Build(new()
        {
            ["Responder:Drivers:Isolation"] = "kubernetes",
            ["Responder:Drivers:Kubernetes:Host"] = "http://127.0.0.1:6443",
        });

        Assert.Equal("kubernetes", Assert.Single(provider.GetServices<IWorkloadIsolator>()).Name);
        Assert.Equal("http://127.0.0.1:6443/", provider.GetRequiredService<k8s.IKubernetes>().BaseUri.ToString());
    }

    [Fact]
    public void Validation_BadSection_ListsEveryProblemAtOnce()
    {
        using var provider = Build(new()
        {
            ["Responder:Drivers:TokenRevokers:0"] = "oauth",
            ["Responder:Drivers:TokenRevokers:1"] = "ssf",
            ["Responder:Drivers:TokenRevokers:2"] = "carrier-pigeon",
            ["Responder:Drivers:Isolation"] = "vmware",
            ["Responder:Drivers:OAuth:Endpoint"] = "https://idp.example.com/revoke",
            ["Responder:Drivers:SharedSignals:Issuer"] = "https://ztstream.example.com",
            ["Responder:Drivers:SharedSignals:Receivers:crm:Endpoint"] = "not a url",
        });

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ResponderDriversOptions>>().Value);

        var problems = failure.Failures.ToList();
        ProblemList.AssertNames(
            problems,
            "'carrier-pigeon' is not a token revoker",
            "'vmware' is not an isolator",
            "OAuth:ClientId is required",
            "OAuth:ClientSecret is required",
            "Receivers:crm:Endpoint",
            "Receivers:crm:Audience");
        Assert.Equal(6, problems.Count);
    }
}
