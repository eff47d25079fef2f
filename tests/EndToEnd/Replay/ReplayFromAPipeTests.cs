using ZtStream.TestSupport.Files;

namespace ZtStream.EndToEnd.Replay;

/// <summary>
/// <c>ztstream replay</c> reading an input that has not ended — a named pipe a writer holds open, as <c>tail -f … &gt;
/// PIPE</c> does — says each line it skips when it reads it, not only in the summary once the input ends (for such an
/// input, never).
/// </summary>
public sealed class ReplayFromAPipeTests : IAsyncDisposable
{
    private readonly ZtStreamProcesses processes = new("zt-e2e-replay-");

    public ValueTask DisposeAsync() => processes.DisposeAsync();

    [Fact]
    public async Task Replay_PipeStillOpen_SaysEachSkippedLineAsItIsRead()
    {
        var ct = Ct;
        var pipe = await OddFiles.MakeAsync(OddFiles.Fifo, processes.Folder.FullName);
        var replay = await processes.StartAsync("replay", ["replay", pipe], waitForListening: false, ct);

        // Opening a pipe's writing end waits for its reader: the replay.
        await using var writer = await Task.Run(() => new FileStream(pipe, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0), ct)
            .WaitAsync(TimeSpan.FromSeconds(90), ct);
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        await writer.WriteAsync(Encoding.UTF8.GetBytes(
            """{"id":"e-1","kind":"access.request","subject":{"id":"ana@example.com"}}""" + "\n"
            + $$"""{"id":"e-2","time":"{{now}}","kind":"access.request","subject":{"id":"ana@example.com"},"action":"read","outcome":"success"}""" + "\n"), ct);
        await writer.FlushAsync(ct);

        if (!await Eventually.WithinAsync(
            () => Task.FromResult(replay.Output.Contains($"replay: {pipe}: skipped item 0 (line 1): time: required", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), ct))
        {
            Assert.Fail($"the skipped line was not said while the pipe was open:\n{replay.Output}");
        }

        Assert.False(replay.HasExited, "the replay waits for the rest of its input");

        await writer.DisposeAsync();
        var code = await replay.WaitForExitAsync(TimeSpan.FromSeconds(60), ct);

        Assert.True(code == 0, replay.Output);
        Assert.Contains($"replay: {pipe}: 2 input items: 1 events scored, 1 skipped", replay.Output, StringComparison.Ordinal);
        Assert.Contains("replay:   skipped 1 × time: required (item 0 (line 1))", replay.Output, StringComparison.Ordinal);
    }
}
