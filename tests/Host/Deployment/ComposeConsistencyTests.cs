namespace ZtStream.Host.Tests.Deployment;

/// <summary>
/// docker-compose.yml cannot be started where CI runs (no Docker engine), so its agreement with the binary is
/// checked here: every ztstream container's command exists, every ZTSTREAM_ variable is a key the binary
/// reads, roles are real, and dependencies name services that exist.
/// </summary>
public sealed class ComposeConsistencyTests
{
    private static readonly Lazy<YamlMappingNode> Services = new(() =>
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(RepositoryRoot(), "docker-compose.yml"));
        yaml.Load(reader);
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    });

    public static TheoryData<string> ZtStreamServices()
    {
        var data = new TheoryData<string>();
        foreach (var (name, service) in Services.Value.Children)
        {
            if (IsZtStream((YamlMappingNode)service))
            {
                data.Add(((YamlScalarNode)name).Value!);
            }
        }

        return data;
    }

    [Fact]
    public void Compose_RunsEveryRoleFromOneImage_WithTwoIngestsAndTwoVerifiers()
    {
        var roles = new List<string>();
        foreach (var (_, node) in Services.Value.Children)
        {
            var service = (YamlMappingNode)node;
            if (IsZtStream(service) && Environment(service).TryGetValue("ZTSTREAM_Roles", out var r))
            {
                roles.Add(r);
            }
        }

        Assert.Equal(2, roles.Count(r => r == "ingest"));
        Assert.Equal(2, roles.Count(r => r == "verifier"));
        Assert.Equal(1, roles.Count(r => r == "responder"));
        Assert.Contains("kafka", Services.Value.Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        Assert.Contains("postgres", Services.Value.Children.Keys.Select(k => ((YamlScalarNode)k).Value));
        Assert.Contains("rabbitmq", Services.Value.Children.Keys.Select(k => ((YamlScalarNode)k).Value));
    }

    [Theory]
    [MemberData(nameof(ZtStreamServices))]
    public void Service_CommandIsOneTheBinaryParses(string name)
    {
        var command = Command(Service(name));

        Assert.NotEmpty(command);
        var root = ZtStreamCli.CreateRoot();
        Assert.Contains(root.Subcommands, c => c.Name == command[0]);
        Assert.Empty(root.Parse(command).Errors.Select(e => e.Message));
    }

    [Theory]
    [MemberData(nameof(ZtStreamServices))]
    public void Service_EnvironmentKeysAreConfigurationKeysTheBinaryReads(string name)
    {
        foreach (var (variable, value) in Environment(Service(name)))
        {
            Assert.StartsWith(HostConfiguration.EnvironmentPrefix, variable, StringComparison.Ordinal);
            var key = variable[HostConfiguration.EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
            Assert.True(ConfigurationSchema.IsKnown(key), $"{name}: {variable} is not a configuration key of ztstream");
            if (key == "Roles")
            {
                var problems = new List<string>();
                RoleSet.Parse(value, problems);
                Assert.Empty(problems);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ZtStreamServices))]
    public void Service_DependsOnlyOnServicesThatExist(string name)
    {
        var service = Service(name);
        if (!service.Children.TryGetValue(new YamlScalarNode("depends_on"), out var dependsOn))
        {
            return;
        }

        var names = dependsOn is YamlMappingNode map
            ? map.Children.Keys.Select(k => ((YamlScalarNode)k).Value!)
            : ((YamlSequenceNode)dependsOn).Children.Select(k => ((YamlScalarNode)k).Value!);
        foreach (var dependency in names)
        {
            Assert.True(Services.Value.Children.ContainsKey(new YamlScalarNode(dependency)), $"{name} depends on missing service {dependency}");
        }
    }

    [Fact]
    public void Compose_PublishesPortsOnLoopbackOnly()
    {
        var published = 0;
        foreach (var (name, node) in Services.Value.Children)
        {
            if (((YamlMappingNode)node).Children.TryGetValue("ports", out var ports))
            {
                foreach (var port in ((YamlSequenceNode)ports).Children.Select(p => ((YamlScalarNode)p).Value!))
                {
                    published++;
                    Assert.True(port.StartsWith("127.0.0.1:", StringComparison.Ordinal), $"{((YamlScalarNode)name).Value} publishes '{port}' on every interface");
                }
            }
        }

        Assert.True(published >= 4);
    }

    [Fact]
    public void Compose_ShipsNoApiOrFeedToken_TheResponderMakesThemAtFirstStart()
    {
        var responder = Environment(Service("responder"));
        Assert.DoesNotContain(responder.Keys, k => k.EndsWith("__Token", StringComparison.Ordinal) || k.EndsWith("__TokenSha256", StringComparison.Ordinal));
        Assert.StartsWith("/data/console/", responder["ZTSTREAM_Responder__ApiTokens__0__TokenFile"], StringComparison.Ordinal);
        Assert.StartsWith("/data/feed/", responder["ZTSTREAM_Responder__Feed__TokenFile"], StringComparison.Ordinal);
        Assert.Equal(responder["ZTSTREAM_Responder__Feed__TokenFile"], Environment(Service("sample"))["ZTSTREAM_Sample__RevocationFeedKeyFile"]);

        // Only the Responder mounts the console token's volume.
        foreach (var (name, node) in Services.Value.Children)
        {
            var volumes = ((YamlMappingNode)node).Children.TryGetValue("volumes", out var v) ? ((YamlSequenceNode)v).Children.Select(x => ((YamlScalarNode)x).Value!) : [];
            Assert.True(((YamlScalarNode)name).Value == "responder" || !volumes.Any(x => x.StartsWith("console-token:", StringComparison.Ordinal)));
        }
    }

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services.Value[name];

    private static bool IsZtStream(YamlMappingNode service) =>
        service.Children.TryGetValue(new YamlScalarNode("image"), out var image) && ((YamlScalarNode)image).Value!.StartsWith("ztstream", StringComparison.Ordinal);

    private static List<string> Command(YamlMappingNode service) =>
        service.Children.TryGetValue(new YamlScalarNode("command"), out var c) && c is YamlSequenceNode seq
            ? [.. seq.Children.Select(n => ((YamlScalarNode)n).Value!)]
            : [];

    private static Dictionary<string, string> Environment(YamlMappingNode service)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (service.Children.TryGetValue(new YamlScalarNode("environment"), out var env) && env is YamlMappingNode map)
        {
            foreach (var (k, v) in map.Children)
            {
                result[((YamlScalarNode)k).Value!] = ((YamlScalarNode)v).Value ?? "";
            }
        }

        return result;
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ZtStream.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ZtStream.sln not found above the test's folder");
    }
}
