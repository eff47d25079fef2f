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

    /// <summary>The problems that stop the start with <paramref name="settings"/>, as the options are first read.</summary>
    private static List<string> Problems(Dictionary<string, string?> settings)
    {
        using var provider = Build(settings);
        return Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ResponderDriversOptions>>().Value).Failures.ToList();
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

    /// <summary>
    /// Several clusters, each with its own connection: the isolator says it acts in each (and not in workloads naming no
    /// cluster, since the first connection names one).
    /// </summary>
    [Fact]
    public void AddResponderDrivers_KubernetesClusters_ActsInEachNamedCluster()
    {
        using var provider = Build(new()
        {
            ["Responder:Drivers:Isolation"] = "kubernetes",
            ["Responder:Drivers:Kubernetes:Host"] = "http://127.0.0.1:6443",
            ["Responder:Drivers:Kubernetes:Cluster"] = "prod-eu",
            ["Responder:Drivers:Kubernetes:Clusters:0:Name"] = "AKS:STAGING",
            ["Responder:Drivers:Kubernetes:Clusters:0:Host"] = "http://127.0.0.2:6443",
        });

        var clusters = Assert.Single(provider.GetServices<IWorkloadIsolator>()).Clusters;
        Assert.Equal(["prod-eu", "AKS:STAGING"], clusters.Named);
        Assert.True(clusters.Serves("AKS:STAGING"));
        Assert.False(clusters.Serves("aks:staging"));
        Assert.False(clusters.Serves(null));
    }

    [Fact]
    public void Validation_KubernetesClusters_EveryBadEntryIsAProblem()
    {
        var problems = Problems(new()
        {
            ["Responder:Drivers:Isolation"] = "kubernetes",
            ["Responder:Drivers:Kubernetes:Cluster"] = "prod-eu ",
            ["Responder:Drivers:Kubernetes:Clusters:0:Host"] = "http://127.0.0.2:6443",
            ["Responder:Drivers:Kubernetes:Clusters:1:Name"] = "staging",
            ["Responder:Drivers:Kubernetes:Clusters:2:Name"] = "staging",
            ["Responder:Drivers:Kubernetes:Clusters:3:Name"] = "dev\u0007",
        });

        ProblemList.AssertNames(
            problems,
            "Kubernetes:Cluster must not begin or end with white space",
            "Clusters:0:Name is required",
            "Clusters:2:Name 'staging' is named twice",
            "Clusters:3:Name must not hold a control character");
        Assert.Equal(4, problems.Count);
    }

    /// <summary>The single-host isolators word a bad time-out and a bad cluster alike, each naming its own setting.</summary>
    [Theory]
    [InlineData("docker", "Docker", "RequestTimeout", "00:00:00", " staging")]
    [InlineData("nftables", "Nftables", "CommandTimeout", "-00:00:01", "prod\u0007eu")]
    public void Validation_IsolatorTimeoutAndCluster_AreProblemsNamingTheSetting(string isolator, string section, string timeout, string value, string cluster)
    {
        using var provider = Build(new()
        {
            ["Responder:Drivers:Isolation"] = isolator,
            [$"Responder:Drivers:{section}:{timeout}"] = value,
            [$"Responder:Drivers:{section}:Cluster"] = cluster,
        });

        var failure = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ResponderDriversOptions>>().Value);

        var problems = failure.Failures.ToList();
        Assert.Equal(2, problems.Count);
        Assert.StartsWith($"Responder:Drivers:{section}:{timeout} must be positive", problems[0], StringComparison.Ordinal);
        Assert.StartsWith($"Responder:Drivers:{section}:Cluster must not", problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Validation_BadSection_ListsEveryProblemAtOnce()
    {
        var problems = Problems(new()
        {
            ["Responder:Drivers:TokenRevokers:0"] = "oauth",
            ["Responder:Drivers:TokenRevokers:1"] = "ssf",
            ["Responder:Drivers:TokenRevokers:2"] = "carrier-pigeon",
            ["Responder:Drivers:Isolation"] = "vmware",
            ["Responder:Drivers:OAuth:Endpoint"] = "https://idp.example.com/revoke",
            ["Responder:Drivers:SharedSignals:Issuer"] = "https://ztstream.example.com",
            ["Responder:Drivers:SharedSignals:Receivers:crm:Endpoint"] = "not a url",
            ["Responder:Drivers:SharedSignals:Clients:siem:Token"] = "siem-receiver-token-0123456789abcdef",
            ["Responder:Drivers:SharedSignals:Clients:siem:Audience"] = "https://siem.example.com",
            ["Responder:Drivers:SharedSignals:Clients:siem:PushEndpoints:0"] = "https://siem.example.com/ssf",
            ["Responder:Drivers:SharedSignals:Clients:siem:PushEndpoints:1"] = "/ssf/events",
            ["Responder:Drivers:SharedSignals:Clients:siem:PushEndpoints:2"] = "ftp://siem.example.com/ssf",
            ["Responder:Drivers:SharedSignals:Clients:siem:PushEndpoints:3"] = "https://user:secret@siem.example.com/ssf",
            ["Responder:Drivers:SharedSignals:Clients:siem:PushEndpoints:4"] = "https://siem.example.com/ssf?tenant=a",
        });

        ProblemList.AssertNames(
            problems,
            "'carrier-pigeon' is not a token revoker",
            "'vmware' is not an isolator",
            "OAuth:ClientId is required",
            "OAuth:ClientSecret is required",
            "Receivers:crm:Endpoint",
            "Receivers:crm:Audience",
            "Clients:siem:PushEndpoints:1",
            "Clients:siem:PushEndpoints:2",
            "Clients:siem:PushEndpoints:3",
            "Clients:siem:PushEndpoints:4");
        Assert.Equal(10, problems.Count);
    }

    /// <summary>
    /// A client's TokenSha256 that is no SHA-256 in hex can match no token: it is a problem at the start. Before, one of
    /// 64 characters passed and failed when the stream endpoints decoded it, and a shorter one was passed over.
    /// </summary>
    [Fact]
    public void Validation_ClientTokenSha256NotHex_IsAProblem()
    {
        var problems = Problems(new()
        {
            ["Responder:Drivers:TokenRevokers:0"] = "ssf",
            ["Responder:Drivers:SharedSignals:Issuer"] = "https://ztstream.example.com",
            ["Responder:Drivers:SharedSignals:Clients:siem:TokenSha256"] = new string('z', 64),
            ["Responder:Drivers:SharedSignals:Clients:siem:Audience"] = "https://siem.example.com",
            ["Responder:Drivers:SharedSignals:Clients:soc:TokenSha256"] = ZtStream.Responder.Api.ApiTokenAuthenticator.HashHex("soc-receiver-token-0123456789abcdef"),
            ["Responder:Drivers:SharedSignals:Clients:soc:Audience"] = "https://soc.example.com",
        });

        Assert.Equal(
            "Responder:Drivers:SharedSignals:Clients:siem:TokenSha256 must be 64 hex digits (SHA-256 of the token)",
            Assert.Single(problems));
    }

    [Fact]
    public void PushEndpoints_AllowTheSameOriginAtOrBelowThePathOnly()
    {
        var client = new SsfClientOptions { PushEndpoints = [new Uri("https://siem.example.com/ssf"), new Uri("http://127.0.0.1:9090/events")] };
        string[] allowed =
        [
            "https://siem.example.com/ssf", "https://siem.example.com/ssf/", "https://siem.example.com/ssf/events",
            "https://SIEM.Example.COM:443/ssf/events?tenant=a", "https://siem.example.com/ssf/a/../events", "http://127.0.0.1:9090/events/x",
        ];
        string[] refused =
        [
            // another scheme, port or host
            "http://siem.example.com/ssf/events", "https://siem.example.com:8443/ssf/events", "https://siem.example.com.evil.example/ssf/events",
            "https://evil.example/ssf/events", "https://169.254.169.254/ssf/events", "http://127.0.0.1:8080/events",
            // a sibling path, or a way out of the allowed one
            "https://siem.example.com/ssf-admin/events", "https://siem.example.com/ssf/../admin", "https://siem.example.com/ssf/%2e%2e/admin",
            "https://siem.example.com/ssf/..%2Fadmin", @"https://siem.example.com/ssf\..\admin", "http://127.0.0.1:9090/events%5c..%5cadmin",
            // credentials in the URL
            "https://user@siem.example.com/ssf/events",
        ];

        Assert.All(allowed, endpoint => Assert.True(client.AllowsPush(new Uri(endpoint)), endpoint));
        Assert.All(refused, endpoint => Assert.False(client.AllowsPush(new Uri(endpoint)), endpoint));
    }

    [Fact]
    public void PushEndpoints_None_AllowNothing() =>
        Assert.False(new SsfClientOptions().AllowsPush(new Uri("https://siem.example.com/ssf/events")));
}
