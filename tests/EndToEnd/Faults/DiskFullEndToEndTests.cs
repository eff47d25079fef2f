using ZtStream.TestSupport.Faults;
using ZtStream.TestSupport.Http;

namespace ZtStream.EndToEnd.Faults;

/// <summary>
/// <c>ztstream run</c> as a real process whose whole data folder (SQLite store and file event log) is a small filesystem
/// that fills up in the middle of the run: Ingest answers 503 with Retry-After, never 202 for what it could not write;
/// killed while the disk is full and started again once there is space, it alerts on every acknowledged attack once and
/// on nothing of a refused request.
/// </summary>
public sealed class DiskFullEndToEndTests() : ProcessTests("zt-disk-full-")
{
    private const string ApiToken = "disk-full-responder-token-0123456789abcdef01";

    [Fact]
    public async Task DiskFillsMidRun_Ingest503WithRetryAfter_AfterSpaceAndRestart_EveryAcknowledgedAttackAlertedOnce_NothingRefused()
    {
        await using var disk = await SmallDisk.MountAsync(8 * 1024 * 1024);
        var database = Path.Combine(disk.Path, "ztstream.db");
        var key = await Processes.AddSourceAsync("disk-app", ["--sqlite", database], Ct);
        var run = await RunAsync("run-1", database);
        var acknowledged = new List<string>();
        var refused = new List<string>();
        using (var ingest = ZtStreamApi.Client(run.Url, key))
        {
            for (var batch = 0; batch < 3; batch++)
            {
                acknowledged.AddRange(await PostAcceptedAsync(ingest, batch));
            }

            await WaitForAlertsAsync(run, acknowledged);

            disk.Fill();
            for (var batch = 3; refused.Count == 0; batch++)
            {
                Assert.True(batch < 50, "the disk never filled up");
                var victims = Victims(batch);
                using var response = await IngestEvents.SendAsync(ingest, Batch(batch, victims));
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    acknowledged.AddRange(victims); // what still fitted in the last blocks
                    continue;
                }

                await HttpProblem.ReadRetryLaterAsync(response, HttpStatusCode.ServiceUnavailable, "event-log-unavailable");
                refused.AddRange(victims);
            }
        }

        run.Kill();
        await run.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);
        disk.Free();

        var restarted = await RunAsync("run-2", database);
        using (var ingest = ZtStreamApi.Client(restarted.Url, key))
        {
            acknowledged.AddRange(await PostAcceptedAsync(ingest, 100));
        }

        // The last batch has an attack on every partition, alerted only after everything before it there: once they
        // are, a refused record kept after all would have been alerted too.
        await WaitForAlertsAsync(restarted, acknowledged);
        using var api = ZtStreamApi.Client(restarted.Url, ApiToken);
        await ZtStreamApi.AssertAlertedOnceAsync(api, acknowledged, Ct);

        foreach (var victim in refused)
        {
            Assert.Empty(await ZtStreamApi.AlertsAsync(api, victim, Ct));
        }
    }

    private Task<ZtStreamProcess> RunAsync(string name, string database) =>
        Processes.RunAsync(
            name,
            ["--sqlite", database,
             .. ZtStreamApi.ApiToken("responder", ApiToken)],
            Ct);

    /// <summary>Posts batch <paramref name="batch"/>, which Ingest must take whole; its victims.</summary>
    private static async Task<List<string>> PostAcceptedAsync(HttpClient ingest, int batch)
    {
        var victims = Victims(batch);
        await IngestEvents.PostAcceptedAsync(ingest, Batch(batch, victims));
        return victims;
    }

    /// <summary>One victim per partition, so a batch writes to every partition file.</summary>
    private static List<string> Victims(int batch) =>
        IngestEvents.OnePerPartition($"user:disk-{batch}");

    /// <summary>40 benign events (some 15 KB, so a full disk cannot take the batch in its last block) and one attack per victim.</summary>
    private static List<AccessEvent> Batch(int batch, List<string> victims) =>
        [.. Enumerable.Range(0, 40).Select(i => IngestEvents.Benign($"user:normal-{i % 8}", (batch * 100) + i)),
         .. victims.Select(v => IngestEvents.ExpiredTokenGet($"{v}-attack", v, $"jti-{v}", "/api/orders/0"))];

    private static async Task WaitForAlertsAsync(ZtStreamProcess process, List<string> victims)
    {
        using var api = ZtStreamApi.Client(process.Url, ApiToken);
        await ZtStreamApi.WaitForEachAlertedAsync(api, victims, Ct, output: () => process.Output);
    }
}
