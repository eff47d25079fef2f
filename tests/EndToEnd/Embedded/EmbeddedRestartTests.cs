using System.Net.Sockets;
using System.Text.RegularExpressions;
using ZtStream.Platform.EventLog;
using ZtStream.TestSupport.Fuzzing;
using ZtStream.TestSupport.Http;

namespace ZtStream.EndToEnd.Embedded;

/// <summary>
/// <c>ztstream run</c> on its embedded defaults (file event log, SQLite, in-memory bus) as a real process, stopped with
/// SIGTERM or killed with SIGKILL and started again on the same folder: what Ingest acknowledged is scored after the
/// restart, exactly once, and the Verifier is not blind to the first events after it.
/// </summary>
public sealed partial class EmbeddedRestartTests() : ProcessTests("zt-embedded-")
{
    private const string ApiToken = "embedded-responder-token-0123456789abcdef01234";
    private static readonly TimeSpan AlertTimeout = TimeSpan.FromSeconds(90);
    private readonly List<string> _acknowledgedEvents = [];
    private readonly List<string> _inFlightEvents = [];
    private string _key = "";

    /// <summary>The PostgreSQL database of a test that runs on one, else null: the SQLite file beside the log.</summary>
    private string? _postgres;

    [Fact]
    public async Task Sigterm_After300BenignEvents_TheFirstAttackAfterRestartIsAlerted()
    {
        await AddSourceAsync();
        var run = await RunAsync("run-1");
        using (var ingest = Ingest(run))
        {
            for (var batch = 0; batch < 3; batch++)
            {
                await IngestEvents.PostAcceptedAsync(ingest, [.. Enumerable.Range(batch * 100, 100).Select(i => IngestEvents.Benign("user:victim", i))]);
            }

            // Scored up to here: an attack on a principal of the same partition is alerted only after the 300 before it.
            var marker = SamePartitionAs("user:victim");
            await IngestEvents.PostAcceptedAsync(ingest, [Attack(marker)]);
            await WaitForAlertsAsync(run, marker, 1);
        }

        await run.StopCleanlyAsync(Ct);

        var restarted = await RunAsync("run-2");
        using (var ingest = Ingest(restarted))
        {
            await IngestEvents.PostAcceptedAsync(ingest, [Attack("user:victim")]);
        }

        var alerts = await WaitForAlertsAsync(restarted, "user:victim", 1);
        Assert.Single(alerts);
    }

    /// <summary>
    /// SIGTERM while a client follows the revocation feed (as every SDK does, all the time): the stream ends with the host,
    /// so the stop is clean — exit 0, every Verifier partition checkpointed. Before, Kestrel waited for the stream until
    /// its shutdown timeout, the stop was cut short (exit 130) and the Verifier's partitions were revoked on a disposed
    /// worker, without their checkpoints.
    /// </summary>
    [Fact]
    public async Task Sigterm_WhileAClientFollowsTheRevocationFeed_ExitsZeroWithEveryPartitionCheckpointed()
    {
        var run = await AlertedOnceAsync();
        using var feed = ZtStreamApi.Client(run.Url, ApiToken);
        using var response = await feed.GetAsync(new Uri("/v1/revocations/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        Assert.StartsWith("retry: ", await stream.ReadLineAsync(Ct), StringComparison.Ordinal);

        await run.StopCleanlyAsync(Ct);

        Assert.DoesNotContain("partition callback", run.Output, StringComparison.Ordinal);
        Assert.Equal(3, run.Output.Split('\n').Count(l => l.Contains("revoked; checkpointed at offset", StringComparison.Ordinal)));
    }

    /// <summary>
    /// SIGTERM while a request holds the stop — a client sending its body slowly (above Kestrel's minimum rate), so the web
    /// server waits for it until the stop's 15 s are up: the Verifier checkpoints every partition before that wait, the
    /// restart restores every principal it scored, and each attack acknowledged before the stop is alerted once and its
    /// token revoked once. Before, the Verifier was stopped after the wait with a cancelled token: its partitions were
    /// revoked on a disposed worker without their checkpoints (exit 130), and the restart re-scored from the older ones.
    /// </summary>
    [Fact]
    public async Task Sigterm_WhileARequestHoldsTheStop_TheVerifierCheckpointsFirst_EachAttackAlertedAndRevokedOnce()
    {
        await AddSourceAsync(anySubject: true);
        string[] revoke = ["--set", $"Responder:PolicyPath={await ResponsePolicies.RevokeTokensAsync(Processes.Folder, "low")}"];
        var victims = IngestEvents.OnePerPartition("user:held");
        var run = await RunAsync("run-1", revoke);
        using (var ingest = Ingest(run))
        {
            await IngestEvents.PostAcceptedAsync(ingest, [.. victims.Select(Attack)]);
        }

        foreach (var victim in victims)
        {
            await WaitForAlertsAsync(run, victim, 1);
        }

        await WaitForRevocationsDoneAsync(run, victims);
        int exit;
        await using (var held = await HeldRequest.StartAsync(run.Url, _key))
        {
            await run.TerminateAsync();
            exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(60), Ct);
            Assert.False(held.Answered, "the held request was answered before the process stopped: it held nothing");
        }

        Assert.True(exit == 0, $"exit {exit}:\n{run.Output}");
        Assert.DoesNotContain("partition callback", run.Output, StringComparison.Ordinal);
        Assert.Equal(3, run.Output.Split('\n').Count(l => l.Contains("revoked; checkpointed at offset", StringComparison.Ordinal)));

        var restarted = await RunAsync("run-2", revoke);
        var restored = await Eventually.WithinAsync(() => Task.FromResult(RestoredPrincipals(restarted).Count == 3), AlertTimeout, Ct);
        Assert.True(restored, $"not every partition was restored:\n{restarted.Output}");
        Assert.Equal(victims.Count, RestoredPrincipals(restarted).Sum());

        // Anything scored twice after the restart would show up by now as a second alert, count or action.
        await SettleAsync(restarted);
        foreach (var victim in victims)
        {
            var alert = Assert.Single(await AlertsAsync(restarted, victim));
            Assert.Equal(1, alert.GetProperty("alert").GetProperty("count").GetInt32());
        }

        using var api = ZtStreamApi.Client(restarted.Url, ApiToken);
        var revocations = await ZtStreamApi.ActionsAsync(api, "revoke_token", Ct);
        foreach (var victim in victims)
        {
            var revocation = Assert.Single(revocations, a => a.GetProperty("jti").GetString() == AttackJti(victim));
            Assert.Equal("done", revocation.GetProperty("state").GetString());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sigkill_TheMomentAnAttackIsAcknowledged_ExactlyOneAlertAfterRestart(bool duringAnOffsetCommit)
    {
        await AddSourceAsync();
        var run = await RunAsync("run-1");
        using (var ingest = Ingest(run))
        {
            await IngestEvents.PostAcceptedAsync(ingest, [.. Enumerable.Range(0, 20).Select(i => IngestEvents.Benign("user:mallory", i))]);
            await IngestEvents.PostAcceptedAsync(ingest, [Attack("user:mallory")]);
        }

        if (duringAnOffsetCommit)
        {
            await Eventually.HoldsAsync(() => File.Exists(Journal) && new FileInfo(Journal).Length > JournalHeader, "the groups committed offsets");
        }

        run.Kill();
        await run.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);
        if (duringAnOffsetCommit)
        {
            // What a kill in the middle of the offsets journal's next append leaves: half of an entry at its end.
            var bytes = await File.ReadAllBytesAsync(Journal, Ct);
            var last = LastEntryStart(bytes);
            await File.WriteAllBytesAsync(Journal, [.. bytes, .. bytes[last..(last + ((bytes.Length - last) / 2))]], Ct);
        }

        var restarted = await RunAsync("run-2");
        if (duringAnOffsetCommit)
        {
            Assert.Contains($"{Journal}: ", restarted.Output, StringComparison.Ordinal);
            Assert.Contains("were not acknowledged before a crash; cut off", restarted.Output, StringComparison.Ordinal);
        }

        var alerts = await WaitForAlertsAsync(restarted, "user:mallory", 1);

        // Anything handed twice after the crash (the record, its alert) would show up by now as a second alert or count.
        await SettleAsync(restarted);
        alerts = await AlertsAsync(restarted, "user:mallory");
        var alert = Assert.Single(alerts);
        Assert.Equal(1, alert.GetProperty("alert").GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Sigkill_MidStream_EveryAcknowledgedAttackIsAlertedOnceAfterRestart()
    {
        await AddSourceAsync();
        var (acknowledged, inFlight) = await SendUntilKilledAsync(await RunAsync("run-1"), "once", killAfter: 15, TimeSpan.Zero);

        await AssertEachAlertedOnceAsync(await RunAsync("run-2"), acknowledged, inFlight);
    }

    /// <summary>
    /// Five SIGKILLs in a row under load, each at a point a seeded random picks (after 2–6 acknowledged batches, then
    /// 0–400 ms into the next request), each restart taking the load again at once: after the last restart every
    /// acknowledged attack is alerted exactly once. <c>ZTSTREAM_TEST_KILL_SEED</c> replays another run's kill points.
    /// </summary>
    [Fact]
    public async Task Sigkill_FiveTimesUnderLoad_EveryAcknowledgedAttackIsAlertedOnce()
    {
        var seed = JsonReshaper.Setting("ZTSTREAM_TEST_KILL_SEED", 20261203);
        var random = new Random(seed);
        await AddSourceAsync();
        var (acknowledged, inFlight) = await KilledRunsAsync(5, "kill", () => (random.Next(2, 7), TimeSpan.FromMilliseconds(random.Next(0, 400))));

        await AssertEachAlertedOnceAsync(await RunAsync("run-6"), acknowledged, inFlight, $" (seed {seed})");
    }

    /// <summary>
    /// Three SIGKILLs under load from three clients at once (so several appends share a group commit when it dies), where
    /// the moments a crash hurts most come all the time: segments of 4 KiB, so every batch
    /// seals segments (their index written beside them) and starts new ones; a Verifier checkpoint every 10 records; the
    /// offsets journal written every 50 ms. Each kill lands at a point a seeded random picks, so over the runs they hit a
    /// roll, a checkpoint write and an offset commit in flight. After the last restart every acknowledged attack is alerted
    /// exactly once. <c>ZTSTREAM_TEST_KILL_SEED</c> replays another run's kill points.
    /// </summary>
    [Fact]
    public async Task Sigkill_ThreeTimesWhileSegmentsRollAndCheckpointsAreWritten_EveryAcknowledgedAttackIsAlertedOnce()
    {
        var seed = JsonReshaper.Setting("ZTSTREAM_TEST_KILL_SEED", 20261204);
        var random = new Random(seed);
        string[] often =
        [
            "--set", "EventLog:SegmentBytes=4096", "--set", "Verifier:CheckpointEveryRecords=10",
            "--set", "EventLog:OffsetCommitInterval=00:00:00.05",
        ];
        await AddSourceAsync();
        var (acknowledged, inFlight) = await KilledRunsAsync(3, "roll", () => (random.Next(3, 9), TimeSpan.FromMilliseconds(random.Next(0, 300))), clients: 3, often);

        // The faults were there to hit: each partition of the events topic rolled many segments.
        var partitions = Directory.GetDirectories(Path.Combine(Processes.Folder.FullName, "eventlog", "topics"), "*", SearchOption.AllDirectories)
            .Where(d => Directory.GetFiles(d, "*.log").Length > 0).ToList();
        Assert.Contains(partitions, d => Directory.GetFiles(d, "*.log").Length >= 10);

        await AssertEachAlertedOnceAsync(await RunAsync("run-4", often), acknowledged, inFlight, $" (seed {seed})");
    }

    /// <summary>
    /// Past the Responder's cap, alerts are merged into a flood alert. The process is killed after two merges and before
    /// the Responder's offsets were written (an hour's commit interval holds them back), so both alerts are handed again
    /// after the restart: the flood alert still counts each once. Before, the count grew by every delivery.
    /// </summary>
    [Fact]
    public async Task Sigkill_AfterAlertsMergedIntoAFlood_BeforeTheOffsetCommit_EachCountedOnceAfterRestart()
    {
        await AddSourceAsync();
        string[] flood = ["--set", "Responder:MaxOpenAlerts=1", "--set", "EventLog:OffsetCommitInterval=01:00:00"];
        var principals = new[] { "user:flood-first", SamePartitionAs("user:flood-first", 1), SamePartitionAs("user:flood-first", 2) };
        var run = await RunAsync("run-1", flood);
        using (var ingest = Ingest(run))
        {
            // One at a time: the first is the open alert, the next two merge.
            await IngestEvents.PostAcceptedAsync(ingest, [Attack(principals[0])]);
            await WaitForAlertsAsync(run, principals[0], 1);
            for (var merged = 1; merged <= 2; merged++)
            {
                await IngestEvents.PostAcceptedAsync(ingest, [Attack(principals[merged])]);
                await Eventually.HoldsAsync(async () => (await FloodAsync(run)).Count == merged, $"{merged} alert(s) merged into the flood alert", AlertTimeout);
            }
        }

        run.Kill();
        await run.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.False(File.Exists(Journal) && new FileInfo(Journal).Length > JournalHeader, "no offsets were committed before the kill");

        var restarted = await RunAsync("run-2", flood);
        var probe = SamePartitionAs("user:flood-first", 3);
        using (var ingest = Ingest(restarted))
        {
            await IngestEvents.PostAcceptedAsync(ingest, [Attack(probe)]);
        }

        // The probe comes after the two handed again on their partition: once it is merged, so are they.
        await Eventually.HoldsAsync(async () => (await FloodAsync(restarted)).Evidence.Any(e => e.StartsWith(probe + "-attack-", StringComparison.Ordinal)), "the probe merged", AlertTimeout);
        Assert.Equal(3, (await FloodAsync(restarted)).Count);
    }

    /// <summary>
    /// The event log's folder restored from a backup older than the store (docs/operations.md: copied while stopped, then
    /// the store kept on and the folder put back): the Verifier's checkpoints are ahead of the log it finds. An attack sent
    /// after the restart lands at offsets the checkpoint says were scored — it is scored all the same (warning 4009) and
    /// alerted, instead of being skipped until the log grows past the checkpoint.
    /// </summary>
    [Fact]
    public async Task Restart_LogFolderRestoredFromABackupOlderThanTheStore_WhatArrivesAfterIsAlerted()
    {
        var first = "user:restore-first";
        await AddSourceAsync();
        var run = await RunAsync("run-1");
        using (var ingest = Ingest(run))
        {
            await IngestEvents.PostAcceptedAsync(ingest, [Attack(first)]);
        }

        await WaitForAlertsAsync(run, first, 1);
        await run.StopCleanlyAsync(Ct);
        var log = Path.Combine(Processes.Folder.FullName, "eventlog");
        var backup = Path.Combine(Processes.Folder.FullName, "eventlog-backup");
        CopyFolder(log, backup);

        // Scored and checkpointed after the backup: 60 records more on the same partition, then a clean stop.
        var later = SamePartitionAs(first, 1);
        run = await RunAsync("run-2");
        using (var ingest = Ingest(run))
        {
            await IngestEvents.PostAcceptedAsync(ingest, [.. Enumerable.Range(0, 60).Select(i => IngestEvents.Benign(later, i)), Attack(later)]);
        }

        await WaitForAlertsAsync(run, later, 1);
        await run.StopCleanlyAsync(Ct);

        Directory.Delete(log, recursive: true);
        CopyFolder(backup, log);

        var after = SamePartitionAs(first, 2);
        var restarted = await RunAsync("run-3");
        using (var ingest = Ingest(restarted))
        {
            await IngestEvents.PostAcceptedAsync(ingest, [Attack(after)]);
        }

        await WaitForAlertsAsync(restarted, after, 1);
        Assert.Contains("the log was lost or cut back behind the checkpoint", restarted.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The store migrated by a newer ZtStream (a migration this one does not know recorded in <c>schema_migrations</c>), as in
    /// a rolling update where an instance of the previous version restarts: it warns, naming the migration, leaves the
    /// row alone, and runs — an attack is alerted.
    /// </summary>
    [Fact]
    public async Task Restart_StoreMigratedByANewerZtStream_WarnsNamingIt_LeavesItAndRuns()
    {
        await OneAlertThenStoppedAsync();
        const string Newer = "INSERT INTO schema_migrations (component, version, name, applied_at) VALUES ('responder', 9999, 'from_a_newer_ztstream', '2026-12-03T00:00:00Z')";
        Assert.True((await LocalProcess.RunAsync("sqlite3", [Database, Newer], TimeSpan.FromSeconds(30))).Succeeded);

        var restarted = await RunAsync("run-2");
        using (var ingest = Ingest(restarted))
        {
            await IngestEvents.PostAcceptedAsync(ingest, [Attack("user:after-upgrade")]);
        }

        await WaitForAlertsAsync(restarted, "user:after-upgrade", 1);
        Assert.Contains("migration responder 9999 (from_a_newer_ztstream), which this version of ZtStream does not know", restarted.Output, StringComparison.Ordinal);
        await restarted.StopCleanlyAsync(Ct);
        var rows = await LocalProcess.RunAsync("sqlite3", [Database, "SELECT name FROM schema_migrations WHERE version = 9999"], TimeSpan.FromSeconds(30));
        Assert.Equal("from_a_newer_ztstream", rows.Output.Trim());
    }

    /// <summary>
    /// The SQLite file deleted under a running process (<c>rm ztstream.db</c>): the API answers 503 with Retry-After and
    /// <c>/readyz</c> says why, naming the file; no empty database appears in its place. Before, pooled connections went
    /// on reading and writing the deleted file (200, and everything written then gone at the next start).
    /// </summary>
    [Fact]
    public async Task StoreFileDeletedWhileRunning_ApiAnswers503WithRetryAfter_NotReadyNamingIt_NoEmptyDatabase()
    {
        var run = await AlertedOnceAsync();
        File.Delete(Database);
        using var api = ZtStreamApi.Client(run.Url, ApiToken);
        using var alerts = await api.GetAsync(new Uri("/v1/alerts?limit=1", UriKind.Relative), Ct);
        using var ready = await api.GetAsync(new Uri("/readyz", UriKind.Relative), Ct);

        await HttpProblem.ReadRetryLaterAsync(alerts, HttpStatusCode.ServiceUnavailable, "service-unavailable");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains($"the SQLite store {Database} was deleted while ZtStream was using it", await ready.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.False(File.Exists(Database), "a new, empty database was made in place of the deleted one");
    }

    /// <summary>
    /// Damage a crash cannot make (bytes before the journal's last entry) is refused at start, exit 1 with one line naming
    /// the file: the process neither re-reads every topic from the start nor rewrites the file the operator must look at.
    /// </summary>
    [Fact]
    public async Task Restart_OffsetsJournalDamagedBeforeItsLastEntry_ExitOneNamingIt_FileKept()
    {
        await OneAlertThenStoppedAsync();
        var journal = await File.ReadAllBytesAsync(Journal, Ct);
        byte[] damaged = [.. journal[..JournalHeader], .. Encoding.ASCII.GetBytes("overwritten by something else"), .. journal[JournalHeader..]];
        await File.WriteAllBytesAsync(Journal, damaged, Ct);

        var restarted = await Processes.RunToExitAsync("run-2", RunArguments, 1, TimeSpan.FromSeconds(60), Ct);

        var line = Assert.Single(restarted.Output.Split('\n'), l => l.StartsWith("ztstream run: ", StringComparison.Ordinal));
        Assert.Contains($"{Journal} is damaged at byte {JournalHeader}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("listening on", restarted.Output, StringComparison.Ordinal);
        Assert.Equal(damaged, await File.ReadAllBytesAsync(Journal, Ct));
    }

    /// <summary>
    /// A journal that says it is of another version (a newer ZtStream's, say) is refused at start, exit 1 with one line
    /// naming the file, its version and what to do; before, it was cut to nothing as a torn entry and every group re-read
    /// its topics from the start.
    /// </summary>
    [Fact]
    public async Task Restart_OffsetsJournalOfAnotherVersion_ExitOneNamingFileAndVersion_FileKept()
    {
        await OneAlertThenStoppedAsync();
        var newer = await File.ReadAllBytesAsync(Journal, Ct);
        Assert.Equal("FOTZ"u8.ToArray(), newer[..4]);
        newer[4] = 2;
        await File.WriteAllBytesAsync(Journal, newer, Ct);

        var restarted = await Processes.RunToExitAsync("run-2", RunArguments, 1, TimeSpan.FromSeconds(60), Ct);

        var line = Assert.Single(restarted.Output.Split('\n'), l => l.StartsWith("ztstream run: ", StringComparison.Ordinal));
        Assert.Contains($"{Journal} is a consumer-offsets journal of version 2, and this ZtStream reads version 1", line, StringComparison.Ordinal);
        Assert.Contains("move it aside", line, StringComparison.Ordinal);
        Assert.Equal(newer, await File.ReadAllBytesAsync(Journal, Ct));
    }

    /// <summary>A first run that has alerted on one attack (on <c>user:trudy</c>), still running.</summary>
    private async Task<ZtStreamProcess> AlertedOnceAsync()
    {
        await AddSourceAsync();
        var run = await RunAsync("run-1");
        using var ingest = Ingest(run);
        await IngestEvents.PostAcceptedAsync(ingest, [Attack("user:trudy")]);
        await WaitForAlertsAsync(run, "user:trudy", 1);
        return run;
    }

    /// <summary>A run that alerted on one attack and was stopped cleanly: its folder holds a committed offsets journal.</summary>
    private async Task OneAlertThenStoppedAsync() => await (await AlertedOnceAsync()).StopCleanlyAsync(Ct);

    /// <summary>
    /// <paramref name="kills"/> runs one after another on the same folder (named run-1 on, started with
    /// <paramref name="settings"/>), each sent to by <paramref name="clients"/> clients until it is killed
    /// (<see cref="SendUntilKilledAsync"/>, rounds named <paramref name="round"/>1 on) where <paramref name="killPoint"/>,
    /// drawn anew each run, says: after how many batches, and how long after; the victims of every run acknowledged, and
    /// those in flight at its kill.
    /// </summary>
    private async Task<(List<string> Acknowledged, List<string> InFlight)> KilledRunsAsync(
        int kills, string round, Func<(int KillAfter, TimeSpan Delay)> killPoint, int clients = 1, string[]? settings = null)
    {
        List<string> acknowledged = [];
        List<string> inFlight = [];
        for (var kill = 1; kill <= kills; kill++)
        {
            var run = await RunAsync($"run-{kill}", settings);
            var (killAfter, delay) = killPoint();
            var (acked, lost) = await SendUntilKilledAsync(run, $"{round}{kill}", killAfter, delay, clients);
            acknowledged.AddRange(acked);
            inFlight.AddRange(lost);
        }

        return (acknowledged, inFlight);
    }

    /// <summary>
    /// Sends <paramref name="run"/> batches of 40 benign events and one attack on a new victim (named after
    /// <paramref name="round"/>) one after another from each of <paramref name="clients"/> clients at once, and kills it
    /// (SIGKILL) <paramref name="delay"/> after the <paramref name="killAfter"/>th batch was acknowledged; the victims whose
    /// batch was acknowledged, and those whose request was in flight when the process died (maybe stored, never
    /// acknowledged).
    /// </summary>
    /// <remarks>
    /// The ids of every event of those batches go to <see cref="_acknowledgedEvents"/> and <see cref="_inFlightEvents"/>;
    /// <paramref name="beforeKill"/>, when given, runs after <paramref name="delay"/> and before the kill, the clients still sending.
    /// </remarks>
    private async Task<(List<string> Acknowledged, List<string> InFlight)> SendUntilKilledAsync(
        ZtStreamProcess run, string round, int killAfter, TimeSpan delay, int clients = 1, Func<Task>? beforeKill = null)
    {
        var acknowledged = new List<string>();
        var inFlight = new List<string>();
        using (var ingest = Ingest(run))
        {
            var senders = Enumerable.Range(0, clients).Select(client => Task.Run(
                async () =>
                {
                    for (var batch = 0; ; batch++)
                    {
                        var victim = clients == 1 ? $"user:victim-{round}-{batch}" : $"user:victim-{round}-{client}-{batch}";
                        List<AccessEvent> events = [.. Enumerable.Range(0, 40).Select(i => IngestEvents.Benign($"user:normal-{i % 8}", (batch * 100) + i)), Attack(victim)];
                        try
                        {
                            await IngestEvents.PostAcceptedAsync(ingest, events);
                            lock (acknowledged)
                            {
                                acknowledged.Add(victim);
                                _acknowledgedEvents.AddRange(events.Select(e => e.Id));
                            }
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                        {
                            lock (inFlight)
                            {
                                inFlight.Add(victim);
                                _inFlightEvents.AddRange(events.Select(e => e.Id));
                            }

                            return;
                        }
                    }
                },
                CancellationToken.None)).ToList();
            var reached = await Eventually.WithinAsync(() => Task.FromResult(Count(acknowledged) >= killAfter), TimeSpan.FromSeconds(60), Ct);
            Assert.True(reached, $"{run.Name}: {Count(acknowledged)} of {killAfter} batches acknowledged:\n{run.Output}");
            await Task.Delay(delay, Ct);
            if (beforeKill is not null)
            {
                await beforeKill();
            }

            run.Kill();
            await Task.WhenAll(senders).WaitAsync(TimeSpan.FromSeconds(60), Ct);
        }

        await run.WaitForExitAsync(TimeSpan.FromSeconds(30), Ct);
        return (acknowledged, inFlight);

        static int Count(List<string> list)
        {
            lock (list)
            {
                return list.Count;
            }
        }
    }

    /// <summary>
    /// On <paramref name="process"/>, started after the kills: every acknowledged victim has one alert of count 1, and a
    /// victim whose request was in flight at a kill has at most one.
    /// </summary>
    private async Task AssertEachAlertedOnceAsync(ZtStreamProcess process, List<string> acknowledged, List<string> inFlight, string context = "")
    {
        foreach (var victim in acknowledged)
        {
            await WaitForAlertsAsync(process, victim, 1);
        }

        // Anything handed twice after a crash (a record, its alert) would show up by now as a second alert or count.
        await SettleAsync(process);
        foreach (var victim in acknowledged.Concat(inFlight))
        {
            var alerts = await AlertsAsync(process, victim);
            Assert.True(alerts.Count <= 1, $"{victim}: {alerts.Count} alerts{context}");
            Assert.True(alerts.Count == 1 || !acknowledged.Contains(victim), $"{victim} was acknowledged and lost its alert{context}");
            Assert.All(alerts, a => Assert.Equal(1, a.GetProperty("alert").GetProperty("count").GetInt32()));
        }
    }

    /// <summary>The offsets journal's header (magic, version) before its entries.</summary>
    private const int JournalHeader = 8;

    private string Database => Path.Combine(Processes.Folder.FullName, "ztstream.db");

    /// <summary>The committed offsets of the file event log's consumer groups.</summary>
    private string Journal => Path.Combine(Processes.Folder.FullName, "eventlog", "offsets.log");

    private string[] StoreArguments => _postgres is { } database ? ["--store", "postgres", "--postgres", database] : ["--sqlite", Database];

    private string[] RunArguments =>
        ["run", "--urls", "http://127.0.0.1:0", .. StoreArguments,
         .. ZtStreamApi.ApiToken("responder", ApiToken)];

    /// <summary>Copies <paramref name="from"/> with everything in it to <paramref name="to"/>, as <c>cp -a</c> does for a backup.</summary>
    private static void CopyFolder(string from, string to)
    {
        foreach (var folder in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, folder)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    /// <summary>Where the journal's last entry (u32 length | u32 CRC | entries) starts.</summary>
    private static int LastEntryStart(byte[] journal)
    {
        var at = JournalHeader;
        while (at + BitConverter.ToInt32(journal, at) < journal.Length)
        {
            at += BitConverter.ToInt32(journal, at);
        }

        return at;
    }

    /// <param name="anySubject">Trusted for any subject, so its evidence may revoke automatically.</param>
    private async Task AddSourceAsync(bool anySubject = false)
    {
        _key = await Processes.AddSourceAsync("embedded-app", [.. anySubject ? ["--subjects", "*"] : Array.Empty<string>(), .. StoreArguments], Ct);
    }

    private async Task<ZtStreamProcess> RunAsync(string name, string[]? settings = null)
    {
        // Only the defaults: the file event log lands beside the SQLite file, the bus in memory.
        var process = await Processes.StartAsync(name, [.. RunArguments, .. settings ?? []], waitForListening: true, Ct);
        Assert.True(Directory.Exists(Path.Combine(Processes.Folder.FullName, "eventlog", "topics")), "the file event log is the default, beside the store");
        return process;
    }

    private HttpClient Ingest(ZtStreamProcess process) => ZtStreamApi.Client(process.Url, _key);

    private static string AttackJti(string subject) => $"jti-expired-{subject}";

    /// <summary>A token used an hour after it expired, from the shop's web pod like the benign traffic.</summary>
    private static AccessEvent Attack(string subject)
    {
        var attack = IngestEvents.ExpiredTokenGet($"{subject}-attack-{Guid.NewGuid():N}", subject, AttackJti(subject), "/api/orders/0");
        return attack with
        {
            Token = attack.Token! with { ClientId = "shop-web", IssuedAt = attack.Time.AddHours(-3) },
            Workload = new Workload { Id = "shop/web-1", Namespace = "shop", Name = "web-1" },
            Outcome = Outcomes.Success,
            Bytes = 900,
        };
    }

    /// <summary>The principals each partition's restore brought back, as <paramref name="process"/> logged them (one number per partition restored).</summary>
    private static List<int> RestoredPrincipals(ZtStreamProcess process) =>
        [.. process.Output.Split('\n').Select(l => RestoredLine().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"assigned; restored (\d+) principals")]
    private static partial Regex RestoredLine();

    /// <summary>Waits until the revocation of each victim's attack token is done.</summary>
    private static async Task WaitForRevocationsDoneAsync(ZtStreamProcess process, List<string> victims)
    {
        using var api = ZtStreamApi.Client(process.Url, ApiToken);
        var done = await Eventually.WithinAsync(
            async () =>
            {
                var actions = await ZtStreamApi.ActionsAsync(api, "revoke_token", Ct);
                return victims.All(v => actions.Any(a => a.GetProperty("jti").GetString() == AttackJti(v) && a.GetProperty("state").GetString() == "done"));
            },
            AlertTimeout,
            Ct);
        Assert.True(done, $"not every attack's token was revoked:\n{process.Output}");
    }

    /// <summary>
    /// Another principal whose events land on the same partition (3, the default) as <paramref name="subject"/>'s; the
    /// <paramref name="nth"/> such principal, from 1.
    /// </summary>
    private static string SamePartitionAs(string subject, int nth = 1)
    {
        var partition = Murmur2Partitioner.PartitionFor(subject, 3);
        return Enumerable.Range(0, 1000).Select(i => $"user:marker-{i}").Where(m => Murmur2Partitioner.PartitionFor(m, 3) == partition).ElementAt(nth - 1);
    }

    /// <summary>The instance's flood alerts (one per hour): their counts summed, their evidence.</summary>
    private static async Task<(int Count, List<string> Evidence)> FloodAsync(ZtStreamProcess process)
    {
        var floods = await AlertsAsync(process, "ztstream-responder");
        return (floods.Sum(f => f.GetProperty("alert").GetProperty("count").GetInt32()),
                [.. floods.SelectMany(f => f.GetProperty("alert").GetProperty("evidence_event_ids").EnumerateArray().Select(e => e.GetString()!))]);
    }

    private static async Task<List<JsonElement>> WaitForAlertsAsync(ZtStreamProcess process, string principal, int count)
    {
        using var api = ZtStreamApi.Client(process.Url, ApiToken);
        return await ZtStreamApi.WaitForAlertsAsync(api, principal, count, Ct, AlertTimeout, () => process.Output);
    }

    private static async Task<List<JsonElement>> AlertsAsync(ZtStreamProcess process, string principal)
    {
        using var api = ZtStreamApi.Client(process.Url, ApiToken);
        return await ZtStreamApi.AlertsAsync(api, principal, Ct);
    }

    /// <summary>
    /// Waits until the restarted process has caught up: a fresh attack on a new principal, posted now, is alerted only
    /// after everything before it on its partition — done for every partition.
    /// </summary>
    private async Task SettleAsync(ZtStreamProcess process)
    {
        using var ingest = Ingest(process);
        var probes = IngestEvents.OnePerPartition("user:settle");
        await IngestEvents.PostAcceptedAsync(ingest, [.. probes.Select(Attack)]);
        foreach (var probe in probes)
        {
            await WaitForAlertsAsync(process, probe, 1);
        }
    }

    /// <summary>
    /// A <c>POST /v1/events</c> whose body never ends: sent with <c>Expect: 100-continue</c>, so it is known to be in Ingest's
    /// handler once Kestrel says "100 Continue", then 400 bytes a second — above Kestrel's minimum data rate, so only the
    /// server's stop ends it. Disposing closes the connection.
    /// </summary>
    private sealed class HeldRequest : IAsyncDisposable
    {
        private readonly TcpClient _client;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _trickle;
        private readonly Task<bool> _answer;

        private HeldRequest(TcpClient client)
        {
            _client = client;
            var stream = client.GetStream();
            _trickle = TrickleAsync(stream, _stop.Token);
            _answer = AnswerAsync(stream);
        }

        /// <summary>Whether the server sent a final answer (anything after the 100 Continue) before the connection ended.</summary>
        public bool Answered => _answer.IsCompletedSuccessfully && _answer.Result;

        public static async Task<HeldRequest> StartAsync(Uri url, string key)
        {
            var client = new TcpClient();
            await client.ConnectAsync(url.Host, url.Port, Ct);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"POST /v1/events HTTP/1.1\r\nHost: {url.Authority}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\n" +
                "Content-Length: 1000000\r\nExpect: 100-continue\r\n\r\n"), Ct);
            var head = new StringBuilder();
            var buffer = new byte[1];
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(ZtStreamApi.Timeout);
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(buffer, timeout.Token) == 1)
            {
                head.Append((char)buffer[0]);
            }

            if (!head.ToString().StartsWith("HTTP/1.1 100 ", StringComparison.Ordinal))
            {
                client.Dispose();
                Assert.Fail($"Ingest did not start reading the held request's body: {head}");
            }

            return new HeldRequest(client);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _client.Dispose();
            await Task.WhenAll(_trickle, _answer);
            _stop.Dispose();
        }

        private static async Task TrickleAsync(NetworkStream stream, CancellationToken ct)
        {
            var chunk = Encoding.ASCII.GetBytes(new string(' ', 400));
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    await stream.WriteAsync(chunk, ct);
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
            {
                // The server ended the connection as it stopped, or the test closed it.
            }
        }

        private static async Task<bool> AnswerAsync(NetworkStream stream)
        {
            try
            {
                return await stream.ReadAsync(new byte[256]) > 0;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // Reset by the stopping server, or closed by the test: no answer.
                return false;
            }
        }
    }
}
