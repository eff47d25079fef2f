namespace ZtStream.Host.Tests.Bench;

public sealed class BenchCommandTests
{
    [Fact]
    public async Task Bench_SmallRun_PrintsOneJsonLineWithEveryFigure_AndLosesNothing()
    {
        var (code, output, err) = await CliRun.RunAsync(
            "bench", "--principals", "20", "--days", "1", "--events", "1000", "--clients", "2", "--batch", "250", "--warmup", "500");

        Assert.True(code == 0, err);
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        using var result = JsonDocument.Parse(line);
        var root = result.RootElement;
        Assert.Equal(1000, root.GetProperty("events").GetInt64());
        Assert.Equal(2, root.GetProperty("clients").GetInt32());
        Assert.Equal(1000, root.GetProperty("acknowledged").GetInt64());
        Assert.Equal(1000, root.GetProperty("scored").GetInt64());
        Assert.Equal(0, root.GetProperty("lost").GetInt64());
        Assert.True(root.GetProperty("baseline_events_per_second").GetDouble() > 0);
        Assert.True(root.GetProperty("end_to_end_events_per_second").GetDouble() > 0);
        Assert.True(root.GetProperty("cpu_seconds_per_million_events").GetDouble() > 0);
        Assert.True(root.GetProperty("peak_rss_bytes").GetInt64() > 0);
        Assert.Equal(20, root.GetProperty("verifier_principals").GetInt32());
        Assert.True(root.GetProperty("verifier_checkpoint_bytes_per_principal").GetDouble() > 0);
        var stages = root.GetProperty("stage_latency_ms");
        foreach (var stage in new[] { "ingest_ack", "log_to_verifier", "verifier_to_alert", "alert_to_action_done", "action_to_sdk_refusal" })
        {
            Assert.True(stages.TryGetProperty(stage, out var s) && s.TryGetProperty("p50", out _) && s.TryGetProperty("p99", out _), stage);
        }

        var attackStages = root.GetProperty("attack_stage_latency_ms");
        foreach (var stage in new[] { "ack", "to_log", "in_log", "to_responder", "decision", "execution", "to_refusal" })
        {
            Assert.True(attackStages.TryGetProperty(stage, out var s) && s.TryGetProperty("p99", out _), stage);
        }

        Assert.True(root.GetProperty("thread_pool_delay_ms").GetProperty("count").GetInt64() > 0, "the pool's delay was sampled");
        Assert.True(root.GetProperty("probe_errors").GetInt64() >= 0, "failed probes are counted, not taken as refusals");

        // The warm-up (its own principals, attacks included) went through first and is counted apart from the run.
        Assert.True(root.GetProperty("warmup_events").GetInt64() >= 500);

        // Every record of the run went through log → Verifier and was timed.
        Assert.Equal(1000, stages.GetProperty("log_to_verifier").GetProperty("count").GetInt64());
        Assert.True(stages.GetProperty("ingest_ack").GetProperty("count").GetInt64() >= 4, "every request was timed");
    }

    [Fact]
    public async Task Bench_TwoRunsStartingTogether_EachPrintsItsResult()
    {
        // Two benches on one machine (pairs of builds compared side by side) must not take each other's port: a port
        // probed free and bound later is free for both of them.
        string[] args = ["bench", "--principals", "20", "--days", "1", "--events", "300", "--clients", "1", "--batch", "100", "--warmup", "0"];
        var runs = await Task.WhenAll(CliRun.RunAsync(args), CliRun.RunAsync(args));

        foreach (var (code, output, err) in runs)
        {
            Assert.True(code == 0, err);
            using var result = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
            Assert.Equal(300, result.RootElement.GetProperty("scored").GetInt64());
            Assert.Equal(0, result.RootElement.GetProperty("lost").GetInt64());
        }
    }

    [Theory]
    [InlineData("--clients", "0")]
    [InlineData("--events", "0")]
    [InlineData("--duration", "-1")]
    [InlineData("--principals", "100001")]
    public async Task Bench_OutOfRangeOption_IsAUsageError(string option, string value)
    {
        var (code, _, err) = await CliRun.RunAsync("bench", option, value);

        Assert.Equal(ZtStream.Platform.Hosting.CliCommandLine.UsageError, code);
        Assert.Contains(option, err, StringComparison.Ordinal);
    }
}
