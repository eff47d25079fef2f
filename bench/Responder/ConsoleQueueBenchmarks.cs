using System.Net.Http.Headers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ZtStream.Contracts.Alerts;
using ZtStream.Contracts.Serialization;
using ZtStream.Platform.Hosting;
using ZtStream.Platform.Store;
using ZtStream.Responder;
using ZtStream.Responder.Alerts;

namespace ZtStream.Benchmarks.Responder;

/// <summary>
/// The console's reads over a SQLite store holding 100,000 alerts (2,000 principals, 20 namespaces, 30 days, most
/// open, some assigned, each with two evidence summaries), through HTTP on loopback as the browser asks: the queue's
/// first page (unfiltered and with the usual filters), the next page by cursor, the queue's charts, and an alert page
/// (the alert with history, actions and suppressions, and its activity picture). One operation = one request.
/// The store is seeded once into the temp folder and reused by later runs.
/// </summary>
[MemoryDiagnoser]
public class ConsoleQueueBenchmarks
{
    public const int Alerts = 100_000;
    private const string Token = "benchmark-token-0123456789abcdef0123456789";

    private WebApplication? app;
    private HttpClient http = null!;
    private string alertId = "";
    private string cursor = "";

    [GlobalSetup]
    public void Setup()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ztstream-bench-console-{Alerts}-v2.db");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Kind"] = "sqlite",
            ["Store:SqlitePath"] = path,
            ["EventLog:Kind"] = "inprocess",
            ["Bus:Kind"] = "inmemory",
            ["Responder:ConsumeAlerts"] = "false",
            ["Responder:ApiTokens:0:Name"] = "bench",
            ["Responder:ApiTokens:0:Role"] = "analyst",
            ["Responder:ApiTokens:0:Token"] = Token,
        });
        builder.Services.AddResponder(builder.Configuration);
        builder.Services.AddPlatform(builder.Configuration);
        app = builder.Build();
        app.MapResponder();
        app.StartAsync().GetAwaiter().GetResult();
        SeedAsync(app.Services.GetRequiredService<IStore>()).GetAwaiter().GetResult();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        http = new HttpClient { BaseAddress = new Uri(address) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var first = JsonDocument.Parse(http.GetStringAsync("/v1/alerts").GetAwaiter().GetResult());
        alertId = first.RootElement.GetProperty("items")[7].GetProperty("alert").GetProperty("id").GetString()!;
        cursor = first.RootElement.GetProperty("next_cursor").GetString()!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        http.Dispose();
        app?.StopAsync().GetAwaiter().GetResult();
        (app as IDisposable)?.Dispose();
    }

    [Benchmark]
    public Task<string> QueueFirstPage() => Get("/v1/alerts");

    [Benchmark]
    public Task<string> QueueOpenUnassigned() => Get("/v1/alerts?status=open&assignee=none");

    [Benchmark]
    public Task<string> QueueCriticalInNamespace() => Get("/v1/alerts?severity=critical&namespace=ns-7");

    [Benchmark]
    public Task<string> QueueNextPage() => Get("/v1/alerts?cursor=" + cursor);

    [Benchmark]
    public Task<string> QueueCharts() => Get("/v1/alerts/stats");

    [Benchmark]
    public Task<string> AlertPage() => Get("/v1/alerts/" + alertId);

    [Benchmark]
    public Task<string> AlertActivity() => Get("/v1/alerts/" + alertId + "/activity");

    private async Task<string> Get(string path)
    {
        using var response = await http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>100,000 alerts in one transaction, as the Responder stores them (row, JSON, one history entry each).</summary>
    private static async Task SeedAsync(IStore store)
    {
        await using var connection = await store.OpenAsync(CancellationToken.None);
        if (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM responder_alerts") >= Alerts)
        {
            return;
        }

        var random = new Random(14);
        var now = DateTimeOffset.UtcNow;
        await using var tx = await connection.BeginTransactionAsync();
        var statuses = new[] { "open", "open", "open", "open", "open", "open", "acknowledged", "in_progress", "true_positive", "false_positive", "benign" };
        for (var i = 0; i < Alerts; i++)
        {
            var ns = $"ns-{random.Next(20)}";
            var principal = $"system:serviceaccount:{ns}:svc-{random.Next(100)}";
            var lastSeen = now.AddSeconds(-random.Next(30 * 24 * 3600));
            var score = 60 + random.Next(40);
            var alert = new Alert
            {
                Id = $"alt-{i:x8}",
                DedupKey = $"{principal}|policy|internal/orders|{i}",
                Principal = principal,
                Detector = i % 3 == 0 ? Detectors.Baseline : Detectors.Policy,
                Score = score,
                Severity = Severities.FromScore(score),
                Reasons =
                [
                    new AlertReason(Detectors.Policy, "token_binding", score, $"token issued to {ns}/api used from {ns}/batch-{i % 7}"),
                    new AlertReason(Detectors.Baseline, "bytes_spike", 40, "read 2.1 GB of internal/orders; 30-day mean 1.2 MB, 41σ"),
                ],
                EvidenceEventIds = [$"evt-{i}-1", $"evt-{i}-2"],
                SubjectId = principal,
                Workload = new AlertWorkload($"{ns}/batch-{i % 7}", ns, $"batch-{i % 7}"),
                Token = new AlertToken($"jti-{i}", null, "web"),
                ResourceClass = "internal/orders",
                FirstSeen = lastSeen.AddMinutes(-5),
                LastSeen = lastSeen,
                Evidence =
                [
                    new AlertEvidence { EventId = $"evt-{i}-1", Kind = "access.request", Time = lastSeen.AddMinutes(-5), Subject = principal, Workload = $"{ns}/batch-{i % 7}", Resource = "http_route//api/orders [internal/orders]", Action = "GET", Outcome = "success", Fields = new Dictionary<string, string> { ["token.bound_workload"] = $"{ns}/api", ["workload.id"] = $"{ns}/batch-{i % 7}" } },
                    new AlertEvidence { EventId = $"evt-{i}-2", Kind = "access.data", Time = lastSeen, Subject = principal, Resource = "table/orders [internal/orders]", Action = "read", Outcome = "success", Fields = new Dictionary<string, string> { ["bytes"] = "2254857830" } },
                ],
            };
            var at = lastSeen.ToUnixTimeMilliseconds();
            var triage = new { alert.Id, Status = statuses[random.Next(statuses.Length)], Assignee = random.Next(10) == 0 ? $"analyst-{random.Next(5)}" : null, Now = at, alert.Score, alert.Severity };
            await connection.ExecuteAsync(AlertStore.InsertAlert, AlertStore.RowOf(alert, at, i + 1), tx);
            await connection.ExecuteAsync("UPDATE responder_alerts SET status = @Status, assignee = @Assignee WHERE id = @Id", triage, tx);
            await connection.ExecuteAsync(
                "INSERT INTO responder_alert_history (alert_id, at, change, count, score, severity, status, actor) VALUES (@Id, @Now, 'created', 1, @Score, @Severity, 'open', 'verifier')",
                triage,
                tx);
        }

        await connection.ExecuteAsync("UPDATE responder_alert_version SET version = @Version WHERE id = 1", new { Version = Alerts }, tx);
        await tx.CommitAsync();
    }
}
