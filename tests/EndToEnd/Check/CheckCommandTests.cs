using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ZtStream.TestSupport.Http;
using ZtStream.TestSupport.Smtp;

namespace ZtStream.EndToEnd.Check;

/// <summary>
/// <c>ztstream check</c> run as the binary against real services — Kafka (librdkafka's mock cluster), PostgreSQL,
/// RabbitMQ, an OAuth revocation endpoint, an SSF receiver, a Kubernetes API, a webhook and an SMTP server — and
/// against refused ports and refused credentials: one line per check, exit 0 only when every check passes.
/// </summary>
public sealed class CheckCommandTests(KafkaFixture kafka, PostgresFixture postgres, RabbitMqFixture rabbit)
{
    private const string ClientSecret = "s3cret-client";

    [Fact]
    public async Task Check_EverythingReachable_OneOkLinePerCheck_Exit0()
    {
        var ct = Ct;
        await using var services = await FakeServices.StartAsync();
        await using var smtp = new SmtpSink();
        var database = await postgres.CreateDatabaseAsync(ct);
        var amqp = await rabbit.CreateVirtualHostAsync(ct);

        var (code, output) = await CheckAsync(
            ["--event-log", "kafka", "--kafka", await kafka.RequireAsync(ct), "--store", "postgres", "--postgres", database, "--bus", "rabbitmq", "--rabbitmq", amqp.ToString(),
             .. services.Settings(ClientSecret), .. Email(smtp.Port)],
            ct);

        Assert.True(code == 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var area in new[] { "event log      kafka", "store          postgres", "command bus    rabbitmq", "oauth", "ssf receiver   soc", "kubernetes", "notification   hook", "notification   mail" })
        {
            Assert.Contains(lines, l => l.StartsWith("ok    " + area, StringComparison.Ordinal));
        }

        Assert.Contains(lines, l => l.Contains("client ztstream accepted", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("API v1.31.2", StringComparison.Ordinal));
        Assert.Equal("all checks passed", lines[^1]);
        Assert.Empty(smtp.Messages); // a login, not a message
        Assert.Empty(services.Posted); // nothing posted to the webhook
    }

    [Fact]
    public async Task Check_RefusedPortsAndCredentials_OneFailLineEach_Exit1()
    {
        var ct = Ct;
        await using var services = await FakeServices.StartAsync();
        var refused = LocalProcess.FreePort().ToString(CultureInfo.InvariantCulture);

        var (code, output) = await CheckAsync(
            ["--event-log", "kafka", "--kafka", $"127.0.0.1:{refused}", "--store", "postgres", "--postgres", $"Host=127.0.0.1;Port={refused};Username=zt;Password=zt;Database=zt",
             "--bus", "rabbitmq", "--rabbitmq", $"amqp://guest:guest@127.0.0.1:{refused}/", .. services.Settings("the-wrong-secret"), .. Email(int.Parse(refused, CultureInfo.InvariantCulture)),
             "--set", $"Responder:Notifications:Targets:hook:Url=http://127.0.0.1:{refused}/hook"],
            ct);

        Assert.Equal(1, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var area in new[] { "event log      kafka 127.0.0.1:" + refused, "store          postgres 127.0.0.1:" + refused, "command bus    rabbitmq", "oauth", "notification   hook", "notification   mail" })
        {
            Assert.Contains(lines, l => l.StartsWith("FAIL  " + area, StringComparison.Ordinal));
        }

        Assert.Contains(lines, l => l.StartsWith("FAIL  oauth", StringComparison.Ordinal) && l.Contains("client ztstream refused: 401 invalid_client", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("ok    ssf receiver", StringComparison.Ordinal));
        // The store is refused, so its sources cannot be set beside the isolation driver's clusters: said, not guessed.
        Assert.Contains(lines, l => l.StartsWith("warn  clusters       sources: not compared with the isolation driver's clusters: the sources could not be read", StringComparison.Ordinal));
        Assert.Equal("6 check(s) failed; 1 warning(s)", lines[^1]);
    }

    [Fact]
    public async Task Check_SigningKeys_OfPubSubPushAndSharedSignals_OkWherePublishedAndFailWhereRefused()
    {
        var ct = Ct;
        await using var google = await TestTransmitter.StartAsync("https://accounts.google.com");
        await using var okta = await TestTransmitter.StartAsync("https://acme.okta.example");
        var refused = LocalProcess.FreePort().ToString(CultureInfo.InvariantCulture);

        var (code, output) = await CheckAsync(
            ["--set", "Ingest:PubSubPush:Sources:gke-prod:ServiceAccounts:0=push@prod.iam.gserviceaccount.com",
             "--set", "Ingest:PubSubPush:Sources:gke-prod:Audiences:0=https://ingest.example.com/v1/sources/k8s-audit",
             "--set", $"Ingest:PubSubPush:Sources:gke-prod:JwksUri={google.JwksUri}",
             "--set", "Ingest:PubSubPush:Sources:gke-dev:ServiceAccounts:0=push@dev.iam.gserviceaccount.com",
             "--set", "Ingest:PubSubPush:Sources:gke-dev:Audiences:0=https://ingest.example.com/v1/sources/k8s-audit",
             "--set", $"Ingest:PubSubPush:Sources:gke-dev:JwksUri=http://127.0.0.1:{refused}/certs",
             .. Transmitter("okta", okta.Issuer, okta.JwksUri.ToString()),
             .. Transmitter("caep-lab", "https://caep.lab.example", $"http://127.0.0.1:{refused}/jwks")],
            ct);

        Assert.True(code == 1, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains($"ok    signing keys   {google.JwksUri} (pubsub push gke-prod): 1 signing key(s) published", lines);
        Assert.Contains($"ok    signing keys   {okta.JwksUri} (ssf transmitter okta): 1 signing key(s) published", lines);
        Assert.Contains(lines, l => l.StartsWith($"FAIL  signing keys   http://127.0.0.1:{refused}/certs (pubsub push gke-dev)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"FAIL  signing keys   http://127.0.0.1:{refused}/jwks (ssf transmitter caep-lab)", StringComparison.Ordinal));
        Assert.Equal(1, google.JwksFetches);
        Assert.Equal(1, okta.JwksFetches);
    }

    private static string[] Transmitter(string name, string issuer, string jwks) =>
    [
        "--set", $"Ingest:Ssf:Transmitters:{name}:Issuer={issuer}",
        "--set", $"Ingest:Ssf:Transmitters:{name}:JwksUri={jwks}",
        "--set", $"Ingest:Ssf:Transmitters:{name}:Audience=https://ztstream.example/ssf",
        "--set", $"Ingest:Ssf:Transmitters:{name}:AllowHttp=true",
    ];

    private static string[] Email(int port) =>
    [
        "--set", "Responder:Notifications:Targets:mail:Kind=email",
        "--set", "Responder:Notifications:Targets:mail:Smtp:Host=127.0.0.1",
        "--set", $"Responder:Notifications:Targets:mail:Smtp:Port={port}",
        "--set", "Responder:Notifications:Targets:mail:Smtp:Security=none",
        "--set", "Responder:Notifications:Targets:mail:Smtp:From=zt@example.test",
        "--set", "Responder:Notifications:Targets:mail:Smtp:To:0=soc@example.test",
        "--set", "Responder:Notifications:Routes:0:Name=everything",
        "--set", "Responder:Notifications:Routes:0:Targets:0=hook",
        "--set", "Responder:Notifications:Routes:0:Targets:1=mail",
    ];

    private static async Task<(int Code, string Output)> CheckAsync(string[] args, CancellationToken ct)
    {
        await using var processes = new ZtStreamProcesses("zt-check-");
        var check = await processes.StartAsync("check", ["check", "--timeout", "5", .. args], false, ct);
        var code = await check.WaitForExitAsync(TimeSpan.FromSeconds(120), ct);
        return (code, check.Output);
    }

    /// <summary>An IdP's RFC 7009 endpoint (200 for the right client, 401 invalid_client otherwise), an SSF receiver, a Kubernetes API and a webhook.</summary>
    private sealed class FakeServices(LoopbackApp app, List<string> posted) : IAsyncDisposable
    {
        public List<string> Posted { get; } = posted;

        public static async Task<FakeServices> StartAsync()
        {
            var posted = new List<string>();
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"ztstream:{ClientSecret}"));
            var app = await LoopbackApp.StartAsync(web =>
            {
                web.MapPost("/oauth2/revoke", (HttpContext http) => http.Request.Headers.Authorization == expected
                    ? Results.Ok()
                    : Results.Json(new { error = "invalid_client" }, statusCode: 401));
                web.MapGet("/ssf/push", () => Results.StatusCode(405));
                web.MapGet("/version", () => Results.Json(new { major = "1", minor = "31", gitVersion = "v1.31.2", platform = "linux/amd64" }));
                web.MapGet("/api/v1/namespaces/{ns}/pods", (string ns) => Results.Json(new { kind = "PodList", apiVersion = "v1", metadata = new { }, items = Array.Empty<object>() }));
                web.MapGet("/hook", () => Results.StatusCode(405));
                web.MapPost("/hook", (HttpContext http) =>
                {
                    lock (posted)
                    {
                        posted.Add(http.Request.Path);
                    }

                    return Results.Ok();
                });
            });
            return new FakeServices(app, posted);
        }

        public string[] Settings(string clientSecret) =>
        [
            "--set", "Responder:Drivers:TokenRevokers:0=oauth",
            "--set", "Responder:Drivers:TokenRevokers:1=ssf",
            "--set", $"Responder:Drivers:OAuth:Endpoint={new Uri(app.BaseAddress, "oauth2/revoke")}",
            "--set", "Responder:Drivers:OAuth:ClientId=ztstream",
            "--set", $"Responder:Drivers:OAuth:ClientSecret={clientSecret}",
            "--set", "Responder:Drivers:SharedSignals:Issuer=https://ztstream.example.test",
            "--set", $"Responder:Drivers:SharedSignals:Receivers:soc:Endpoint={new Uri(app.BaseAddress, "ssf/push")}",
            "--set", "Responder:Drivers:SharedSignals:Receivers:soc:Audience=https://soc.example.test",
            "--set", "Responder:Drivers:Isolation=kubernetes",
            "--set", $"Responder:Drivers:Kubernetes:Host={app.BaseAddress}",
            "--set", "Responder:Notifications:Targets:hook:Kind=webhook",
            "--set", $"Responder:Notifications:Targets:hook:Url={new Uri(app.BaseAddress, "hook")}",
            "--set", "Responder:Notifications:Targets:hook:Secret=0123456789abcdef-secret",
        ];

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
