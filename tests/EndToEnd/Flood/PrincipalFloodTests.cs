namespace ZtStream.EndToEnd.Flood;

/// <summary>
/// The flood of made-up identities from issue 11, against <c>ztstream run</c> as a real process: 100,000 new principals
/// from one source key, each with a token that expired an hour ago (so each would raise an alert), while another
/// source's principals keep being scored. At Ingest's defaults the flooder is refused (429) past its per-minute cap;
/// with that cap off, all of it reaches the Verifier, whose caps keep memory under the Kubernetes limit and fold the
/// alerts into one flood alert.
/// </summary>
public sealed class PrincipalFloodTests() : ProcessTests("zt-flood-")
{
    private const string ApiToken = "flood-responder-token-0123456789abcdef012345";
    private const int Principals = 100_000;
    private const int Batch = 1_000;

    [Fact]
    public async Task HundredThousandNewPrincipals_ReachingTheVerifier_OtherSourceScored_RssUnder600MB_OneFloodAlert()
    {
        var (flooder, steady) = await AddSourcesAsync();
        var run = await RunAsync(
            "--set", "Ingest:MaxNewPrincipalsPerMinute=0", "--set", "Ingest:RatePerSecond=100000000", "--set", "Ingest:RateBurst=100000000");
        using var floodClient = Client(run, flooder);
        using var steadyClient = Client(run, steady);
        using var api = Client(run, ApiToken);

        using var stop = new CancellationTokenSource();
        var steadyStatuses = new List<HttpStatusCode>();
        var steadyLoop = SteadyAsync(steadyClient, steadyStatuses, stop.Token);
        var accepted = 0;
        for (var b = 0; b < Principals / Batch; b++)
        {
            var (status, body) = await IngestEvents.PostAsync(floodClient, [.. Enumerable.Range(b * Batch, Batch).Select(i => Expired($"user:fake-{i}", 0))]);
            Assert.Equal(HttpStatusCode.Accepted, status);
            accepted += body.GetProperty("accepted").GetInt32();
        }

        Assert.Equal(Principals, accepted);

        // Every steady principal's alert arrives while the Verifier works through the flood, and the flood ends up in
        // one alert, its count growing at powers of two.
        var deadline = DateTime.UtcNow.AddMinutes(5);
        JsonElement[] flood = [];
        HashSet<string> steadyAlerted = [];
        while (DateTime.UtcNow < deadline)
        {
            steadyAlerted = [.. (await AlertsAsync(api, "")).Select(a => a.GetProperty("alert").GetProperty("principal").GetString()!).Where(p => p.StartsWith("user:steady-", StringComparison.Ordinal))];
            flood = await AlertsAsync(api, "&detector=verifier");
            if (steadyAlerted.Count == 10 && flood.Length == 1 && flood[0].GetProperty("alert").GetProperty("count").GetInt32() >= 65_536)
            {
                break;
            }

            await Task.Delay(2_000, Ct);
        }

        await stop.CancelAsync();
        await steadyLoop;
        var peak = PeakRssMegabytes(run);
        Assert.Equal(10, steadyAlerted.Count);
        Assert.All(steadyStatuses, s => Assert.Equal(HttpStatusCode.Accepted, s));
        var alert = Assert.Single(flood).GetProperty("alert");
        Assert.Equal("ztstream-verifier", alert.GetProperty("principal").GetString());
        Assert.Equal("alert_flood", alert.GetProperty("reasons")[0].GetProperty("rule").GetString());
        Assert.True(peak < 600, $"peak RSS {peak} MB");
        TestContext.Current.SendDiagnosticMessage($"flood of {Principals} principals: peak RSS {peak} MB, flood alert count {alert.GetProperty("count").GetInt32()}");
    }

    [Fact]
    public async Task HundredThousandNewPrincipals_AtTheDefaults_TheFlooderIs429AfterItsCap_TheOtherSourceIsNot()
    {
        var (flooder, steady) = await AddSourcesAsync();
        var run = await RunAsync();
        using var floodClient = Client(run, flooder);
        using var steadyClient = Client(run, steady);
        var statuses = new Dictionary<HttpStatusCode, int>();
        var accepted = 0;
        for (var b = 0; b < Principals / Batch; b++)
        {
            var (status, body) = await IngestEvents.PostAsync(floodClient, [.. Enumerable.Range(b * Batch, Batch).Select(i => Expired($"user:fake-{i}", 0))]);
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (status == HttpStatusCode.Accepted)
            {
                accepted += body.GetProperty("accepted").GetInt32();
            }
            else
            {
                Assert.EndsWith("/too-many-new-principals", body.GetProperty("type").GetString(), StringComparison.Ordinal);
            }

            var (steadyStatus, _) = await IngestEvents.PostAsync(steadyClient, [Expired($"user:steady-{b % 10}", b)]);
            Assert.Equal(HttpStatusCode.Accepted, steadyStatus);
        }

        // Ingest:MaxNewPrincipalsPerMinute is 2,000 (two batches), unless the run crossed a minute boundary (four).
        Assert.InRange(accepted, 2_000, 4_000);
        Assert.InRange(statuses.GetValueOrDefault(HttpStatusCode.TooManyRequests), 96, 98);
        TestContext.Current.SendDiagnosticMessage($"at the defaults: {accepted} new principals accepted, peak RSS {PeakRssMegabytes(run)} MB");
    }

    private async Task SteadyAsync(HttpClient client, List<HttpStatusCode> statuses, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var (status, _) = await IngestEvents.PostAsync(client, [.. Enumerable.Range(0, 10).Select(j => Expired($"user:steady-{j}", i))]);
            statuses.Add(status);
            await Task.Delay(500, CancellationToken.None);
        }
    }

    private static AccessEvent Expired(string subject, int n) =>
        IngestEvents.ExpiredTokenGet($"{subject}-{n}-{Guid.NewGuid():N}", subject, $"jti-{subject}-{n}", "/orders");

    private static async Task<JsonElement[]> AlertsAsync(HttpClient api, string filter)
    {
        var page = JsonDocument.Parse(await api.GetStringAsync(new Uri($"/v1/alerts?limit=500{filter}", UriKind.Relative), Ct)).RootElement;
        return [.. page.GetProperty("items").EnumerateArray().Select(i => i.Clone())];
    }

    /// <summary>The process's peak resident set (VmHWM) in MB.</summary>
    private static int PeakRssMegabytes(ZtStreamProcess process)
    {
        var line = File.ReadLines($"/proc/{process.ProcessId}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return int.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    private async Task<(string Flooder, string Steady)> AddSourcesAsync() =>
        (await AddSourceAsync("flooder"), await AddSourceAsync("steady", "--subjects", "user:steady-*"));

    private Task<string> AddSourceAsync(string name, params string[] scope) =>
        Processes.AddSourceAsync(name, [.. scope, "--sqlite", Database], Ct);

    private async Task<ZtStreamProcess> RunAsync(params string[] settings)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "memory is read from /proc");
        return await Processes.RunAsync(
            "run",
            ["--sqlite", Database,
             .. ZtStreamApi.ApiToken("responder", ApiToken), .. settings],
            Ct);
    }

    private string Database => Path.Combine(Processes.Folder.FullName, "ztstream.db");

    private static HttpClient Client(ZtStreamProcess process, string bearer)
    {
        var client = new HttpClient { BaseAddress = process.Url, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }
}
