namespace ZtStream.Host.Tests.Check;

/// <summary>
/// <c>ztstream check</c>'s command-bus line against a real broker: "ok … logged in" only when the virtual host the
/// bus would use takes the login. A broker that answers the login and then refuses the virtual host (RabbitMQ's "vhost
/// not found") is a failure: <c>run</c> would not get its bus started.
/// </summary>
public sealed class BusCheckTests(RabbitMqFixture rabbitMq)
{
    [Fact]
    public async Task Check_AVirtualHostTheBrokerHas_PassesLoggedIn()
    {
        var uri = await rabbitMq.CreateVirtualHostAsync(Ct);

        var (code, output, error) = await CheckAsync(uri);

        Assert.True(code == 0, output + error);
        Assert.Contains(output.Split('\n'), l => l.StartsWith("ok    command bus", StringComparison.Ordinal) && l.Contains("logged in as", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_AVirtualHostTheBrokerDoesNotHave_FailsNamingIt()
    {
        var known = await rabbitMq.CreateVirtualHostAsync(Ct);
        var missing = new UriBuilder(known) { Path = "/zt-missing-" + Guid.NewGuid().ToString("N")[..8] }.Uri;

        var (code, output, _) = await CheckAsync(missing);

        Assert.Equal(1, code);
        var line = Assert.Single(output.Split('\n'), l => l.Contains("command bus", StringComparison.Ordinal));
        Assert.StartsWith("FAIL", line, StringComparison.Ordinal);
        Assert.Contains(missing.AbsolutePath.TrimStart('/'), line, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Out, string Err)> CheckAsync(Uri amqp)
    {
        using var folder = new TempFolder("zt-check-bus-");
        return await CliRun.RunAsync(["check", .. CliRun.DataIn(folder),
            "--bus", "rabbitmq", "--rabbitmq", amqp.ToString(), "--timeout", "20"]);
    }
}
