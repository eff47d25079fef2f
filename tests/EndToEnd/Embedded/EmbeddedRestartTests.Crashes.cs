using System.Buffers.Binary;
using Npgsql;
using ZtStream.Contracts;
using ZtStream.TestSupport.Fuzzing;

namespace ZtStream.EndToEnd.Embedded;

/// <summary>
/// SIGKILLs where a crash hurts most, proven on what is left: a Verifier checkpoint held open inside PostgreSQL, and a
/// segment's tail torn while several clients append.
/// </summary>
public sealed partial class EmbeddedRestartTests
{
    /// <summary>
    /// On a PostgreSQL store, three SIGKILLs each while the Verifier's checkpoint write is inside PostgreSQL: a trigger
    /// of the test's own holds every upsert of <c>verifier_checkpoints</c> in <c>pg_sleep</c>, and the process is killed
    /// once a backend is seen waiting there, the clients still sending and the Verifier still scoring past the held
    /// checkpoint. In odd rounds the held transaction dies with its client (<c>client_connection_check_interval</c>: the
    /// write is rolled back), in even ones it commits after the process died. After the last restart every acknowledged
    /// attack is alerted and revoked exactly once, and the checkpoints, written on SIGTERM, sit at each partition's end
    /// having scored every event record of the log once (an older state restored with a newer offset, or the reverse,
    /// would count an event twice or not at all). <c>ZTSTREAM_TEST_KILL_SEED</c> replays another run's kill points.
    /// </summary>
    [Fact]
    public async Task Sigkill_WhileAPostgresCheckpointWriteIsInFlight_EveryAcknowledgedEventScoredOnce_EachAttackAlertedAndRevokedOnce()
    {
        var seed = JsonReshaper.Setting("ZTSTREAM_TEST_KILL_SEED", 20261205);
        var random = new Random(seed);
        await using var postgres = new PostgresFixture();
        _postgres = await postgres.CreateDatabaseAsync(Ct);
        var hold = new CheckpointHold(_postgres);
        string[] settings =
        [
            "--set", "Verifier:CheckpointEveryRecords=10",
            "--set", $"Responder:PolicyPath={await ResponsePolicies.RevokeTokensAsync(Processes.Folder, "low", budget: 10_000)}",
        ];
        await AddSourceAsync(anySubject: true);
        List<string> acknowledged = [];
        List<string> inFlight = [];
        for (var kill = 1; kill <= 3; kill++)
        {
            var diesWithTheClient = kill % 2 == 1;
            await hold.DieWithTheClientAsync(diesWithTheClient);
            var run = await RunAsync($"run-{kill}", settings);
            await hold.InstallAsync();
            var heldFor = TimeSpan.FromMilliseconds(random.Next(0, 400));
            var (acked, lost) = await SendUntilKilledAsync(
                run,
                $"pg{kill}",
                random.Next(2, 6),
                TimeSpan.FromMilliseconds(random.Next(0, 300)),
                clients: 2,
                beforeKill: async () =>
                {
                    await hold.SetAsync(true);
                    var held = await Eventually.WithinAsync(async () => await hold.HeldAsync() > 0, AlertTimeout, Ct);
                    Assert.True(held, $"{run.Name}: no checkpoint write reached PostgreSQL to be held (seed {seed}):\n{run.Output}");
                    await Task.Delay(heldFor, Ct);
                });
            acknowledged.AddRange(acked);
            inFlight.AddRange(lost);

            if (diesWithTheClient)
            {
                // The hold is still on: a write that left its backend now was rolled back, not carried out.
                var ended = await Eventually.WithinAsync(async () => await hold.WritingAsync() == 0, TimeSpan.FromSeconds(30), Ct);
                Assert.True(ended, $"{run.Name}: the held checkpoint's transaction outlived its client (seed {seed})");
                await hold.SetAsync(false);
            }
            else
            {
                await hold.SetAsync(false);
                var landed = await Eventually.WithinAsync(async () => await hold.WritingAsync() == 0, TimeSpan.FromSeconds(30), Ct);
                Assert.True(landed, $"{run.Name}: the held checkpoint write did not finish once let go (seed {seed})");
            }
        }

        var last = await RunAsync("run-4", settings);
        await AssertEachAlertedOnceAsync(last, acknowledged, inFlight, $" (seed {seed})");
        await WaitForRevocationsDoneAsync(last, acknowledged);
        using (var api = ZtStreamApi.Client(last.Url, ApiToken))
        {
            var revocations = await ZtStreamApi.ActionsAsync(api, "revoke_token", Ct);
            foreach (var victim in acknowledged.Concat(inFlight))
            {
                var count = revocations.Count(a => a.GetProperty("jti").GetString() == AttackJti(victim));
                Assert.True(count <= 1 && (count == 1 || !acknowledged.Contains(victim)), $"{victim}: {count} revocations (seed {seed})");
            }
        }

        await last.StopCleanlyAsync(Ct);
        var (events, ends) = await EventLogRecords.ReadEventsAsync(Path.Combine(Processes.Folder.FullName, "eventlog"), Ct);
        var ids = events.Where(e => !EventKinds.IsDerived(e.Kind)).ToList();
        Assert.Empty(_acknowledgedEvents.Except(ids.Select(e => e.Id), StringComparer.Ordinal));
        var checkpoints = await hold.CheckpointsAsync();
        Assert.Equal(ends.OrderBy(e => e.Key), checkpoints.Select(c => KeyValuePair.Create(c.Partition, c.NextOffset)));
        foreach (var (partition, _, scored) in checkpoints)
        {
            var held = ids.Where(e => e.Partition == partition).Select(e => e.Id).Distinct(StringComparer.Ordinal).Count();
            Assert.True(scored == held, $"partition {partition}: the checkpoint counts {scored} events scored; the log holds {held} (seed {seed})");
        }
    }

    /// <summary>
    /// Five SIGKILLs at moments a seeded random picks while three clients post at once, each followed, in the rounds the
    /// same random picks, by what a kill in the middle of the next write leaves: the first half of a frame after the last
    /// whole one of a partition's active segment. Each restart cuts that tail, naming the segment, and never reads it as
    /// an event (it repeats the last record's id, which would then be there twice). After the last, stopped: every event
    /// that got a 202 is in the log exactly once, none sent in a failed request more than once, every acknowledged attack
    /// alerted once, and the segments read by <c>ztstream dlq</c>. <c>ZTSTREAM_TEST_KILL_SEED</c> replays another run's kill points.
    /// </summary>
    [Fact]
    public async Task Sigkill_FiveTimesUnderThreeClients_TornTailsCutAndNamed_EveryAcknowledgedEventInTheLogOnce()
    {
        var seed = JsonReshaper.Setting("ZTSTREAM_TEST_KILL_SEED", 20261206);
        var random = new Random(seed);
        await AddSourceAsync();
        List<string> acknowledged = [];
        List<string> inFlight = [];
        string? torn = null;
        var tornRounds = 0;
        for (var kill = 1; kill <= 6; kill++)
        {
            var run = await RunAsync($"run-{kill}");
            if (torn is not null)
            {
                var cut = run.Output.Split('\n').Where(l => l.Contains("were not acknowledged before a crash; cut off", StringComparison.Ordinal)).ToList();
                Assert.True(cut.Any(l => l.Contains($"{torn}: ", StringComparison.Ordinal)), $"{run.Name}: the torn tail of {torn} was not cut with a warning (seed {seed}):\n{run.Output}");
                torn = null;
            }

            if (kill == 6)
            {
                await AssertEachAlertedOnceAsync(run, acknowledged, inFlight, $" (seed {seed})");
                await run.StopCleanlyAsync(Ct);
                break;
            }

            var (acked, lost) = await SendUntilKilledAsync(run, $"tear{kill}", random.Next(2, 7), TimeSpan.FromMilliseconds(random.Next(0, 400)), clients: 3);
            acknowledged.AddRange(acked);
            inFlight.AddRange(lost);
            if (kill == 1 || random.Next(2) == 0)
            {
                torn = TearActiveSegment(random);
                tornRounds++;
            }
        }

        var ids = (await EventLogRecords.ReadEventsAsync(Path.Combine(Processes.Folder.FullName, "eventlog"), Ct)).Events.Select(e => e.Id).ToList();
        var counts = ids.GroupBy(id => id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var missing = _acknowledgedEvents.Where(id => !counts.ContainsKey(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged event(s) not in the log, e.g. {missing.FirstOrDefault()} (seed {seed})");
        var twice = counts.Where(c => c.Value > 1).Select(c => c.Key).ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} event(s) in the log more than once, e.g. {twice.FirstOrDefault()}, after {tornRounds} torn tail(s) (seed {seed})");
        var unknown = ids.Except(_acknowledgedEvents.Concat(_inFlightEvents), StringComparer.Ordinal).Where(id => !id.StartsWith("user:settle-", StringComparison.Ordinal)).ToList();
        Assert.True(unknown.Count == 0, $"{unknown.Count} record(s) read as events that no client sent, e.g. {unknown.FirstOrDefault()} (seed {seed})");

        var dlq = await Processes.StartAsync("dlq", ["dlq", "list", Topics.Events, .. StoreArguments], false, Ct);
        Assert.True(await dlq.WaitForExitAsync(TimeSpan.FromSeconds(60), Ct) == 0, dlq.Output);
    }

    /// <summary>
    /// Writes the first half of a frame after the last whole frame of a partition's active segment (the partition a
    /// <paramref name="random"/> picks among those holding records), as a kill in the middle of the next write leaves it:
    /// the last frame's bytes with the next offset. Returns the segment's path.
    /// </summary>
    private string TearActiveSegment(Random random)
    {
        var partitions = Directory.GetDirectories(Path.Combine(Processes.Folder.FullName, "eventlog", "topics", Topics.Events))
            .Where(d => Directory.GetFiles(d, "*.log").Length > 0).Order(StringComparer.Ordinal).ToList();
        var segment = Directory.GetFiles(partitions[random.Next(partitions.Count)], "*.log").Order(StringComparer.Ordinal).Last();
        var bytes = File.ReadAllBytes(segment);
        var next = long.Parse(Path.GetFileNameWithoutExtension(segment), CultureInfo.InvariantCulture);
        int at = 0, last = -1;
        while (at + 16 <= bytes.Length)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            if (length < 36 || at + length > bytes.Length || BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at + 8)) != next)
            {
                break;
            }

            last = at;
            at += length;
            next++;
        }

        Assert.True(last >= 0, $"{segment} holds no whole frame to tear after");
        var half = bytes[last..(last + (BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(last)) / 2))];
        BinaryPrimitives.WriteInt64LittleEndian(half.AsSpan(8), next);
        using (var file = new FileStream(segment, FileMode.Open, FileAccess.Write))
        {
            file.Position = at;
            file.Write(half);
        }

        return segment;
    }

    /// <summary>
    /// A trigger of the test's own on the Verifier's checkpoint table that holds every upsert in <c>pg_sleep</c> while its
    /// flag is set: a checkpoint write caught inside PostgreSQL for as long as the test wants, by the database itself.
    /// </summary>
    private sealed class CheckpointHold(string connectionString)
    {
        public async Task InstallAsync() => await ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS zt_test_checkpoint_hold (hold boolean NOT NULL);
            INSERT INTO zt_test_checkpoint_hold SELECT false WHERE NOT EXISTS (SELECT 1 FROM zt_test_checkpoint_hold);
            CREATE OR REPLACE FUNCTION zt_test_hold_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                WHILE (SELECT hold FROM zt_test_checkpoint_hold) LOOP
                    PERFORM pg_sleep(0.05);
                END LOOP;
                RETURN NEW;
            END $$;
            CREATE OR REPLACE TRIGGER zt_test_hold BEFORE INSERT ON verifier_checkpoints
                FOR EACH ROW EXECUTE FUNCTION zt_test_hold_checkpoint();
            """);

        public Task SetAsync(bool hold) => ExecuteAsync($"UPDATE zt_test_checkpoint_hold SET hold = {(hold ? "true" : "false")}");

        /// <summary>
        /// Whether a transaction held in the trigger ends when its client goes (a backend checks its socket every 50 ms
        /// while it runs a statement) or runs on until the hold is let go; for the connections opened from now on.
        /// </summary>
        public Task DieWithTheClientAsync(bool dies)
        {
            var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
            return ExecuteAsync(dies
                ? $"ALTER DATABASE \"{database}\" SET client_connection_check_interval = '50ms'"
                : $"ALTER DATABASE \"{database}\" RESET client_connection_check_interval");
        }

        /// <summary>How many checkpoint writes wait in the trigger now.</summary>
        public Task<long> HeldAsync() => ScalarAsync(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event = 'PgSleep' AND query LIKE '%verifier_checkpoints%'");

        /// <summary>How many checkpoint writes are running now, held or not.</summary>
        public Task<long> WritingAsync() => ScalarAsync(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%INSERT INTO verifier_checkpoints%'");

        /// <summary>The Verifier's checkpoints of the events topic, by partition.</summary>
        public async Task<List<(int Partition, long NextOffset, long EventsScored)>> CheckpointsAsync()
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand(
                "SELECT partition_id, next_offset, events_scored FROM verifier_checkpoints WHERE topic = @topic ORDER BY partition_id", connection);
            command.Parameters.AddWithValue("topic", Topics.Events);
            await using var reader = await command.ExecuteReaderAsync(Ct);
            List<(int, long, long)> rows = [];
            while (await reader.ReadAsync(Ct))
            {
                rows.Add((Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetInt64(1), reader.GetInt64(2)));
            }

            return rows;
        }

        private async Task ExecuteAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(Ct);
        }

        private async Task<long> ScalarAsync(string sql)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand(sql, connection);
            return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture);
        }
    }
}
