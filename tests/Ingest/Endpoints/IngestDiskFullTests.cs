using ZtStream.TestSupport.Faults;

namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>Ingest over the durable file log on a disk that really fills up: 503 with Retry-After, and no 202 is ever lost.</summary>
public sealed class IngestDiskFullTests
{
    [Fact]
    public async Task PostEvents_DiskFull_Answers503ProblemAndEveryAcceptedEventIsKept()
    {
        await using var disk = await SmallDisk.MountAsync(384 * 1024);

        // Space that comes back when the disk is freed: without it, "freed" would mean only whatever slack the refused
        // request left behind.
        disk.Reserve(64 * 1024);
        var log = new FileEventLog(
            new EventLogOptions { Kind = EventLogOptions.File, Path = Path.Combine(disk.Path, "eventlog"), SegmentBytes = 64 * 1024 },
            TimeProvider.System,
            NullLogger.Instance);
        await using var server = await IngestServer.StartAsync(log);
        var key = await server.AddSourceAsync("orders-api");
        var accepted = new List<string>();
        HttpResponseMessage? refused = null;
        for (var batch = 0; refused is null && batch < 500; batch++)
        {
            var ids = Payloads.Ids($"full-{batch}", 25);
            var response = await server.PostAsync("/v1/events", Payloads.Array([.. ids.Select((id, i) => Payloads.Event(id, subject: $"user-{i % 5}"))]), key);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                accepted.AddRange(ids);
                response.Dispose();
            }
            else
            {
                refused = response;
            }
        }

        Assert.NotNull(refused);
        using (refused)
        {
            await HttpProblem.ReadRetryLaterAsync(refused, HttpStatusCode.ServiceUnavailable, "event-log-unavailable");
        }

        Assert.NotEmpty(accepted);
        disk.Free();
        var after = Payloads.Ids("after-free", 3);
        using (var response = await server.PostAsync("/v1/events", Payloads.Array([.. after.Select(id => Payloads.Event(id))]), key))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        // Every 202 is in the log once; nothing of the refused request is.
        var read = await server.ReadLoggedAsync(accepted.Count + after.Length);
        Assert.Equal(accepted.Concat(after).Order(), read.Select(r => r.Event.Id).Order());
    }
}
