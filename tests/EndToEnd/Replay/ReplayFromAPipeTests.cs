namespace ZtStream.EndToEnd.Replay;

/// <summary>
/// <c>ztstream replay</c> reading an input that has not ended — a named pipe a writer holds open, as <c>tail -f … &gt;
/// PIPE</c> does — says each line it skips when it reads it, not only in the summary once the input ends (for such an
/// input, never); names an input that is no JSON from its first line while the writer still holds the pipe; and a pipe
/// nothing writes to is waited for saying so, stopped by Ctrl-C or SIGTERM, as is one whose writer writes nothing more.
/// Standard input (<c>replay -</c>) is such an input too.
/// </summary>
public sealed class ReplayFromAPipeTests() : ProcessTests("zt-e2e-replay-")
{
    /// <summary>An input that is a named pipe (<see cref="StartWithWriterAsync"/> makes it).</summary>
    private const string Pipe = "PIPE";

    /// <summary>The input that is standard input, as every Unix filter spells it.</summary>
    private const string StandardInput = "-";

    /// <summary>A line the replay skips (no time), said when it is read: evidence that the replay reads its input.</summary>
    private static readonly byte[] UndatedLine = """{"id":"e-1","kind":"access.request","subject":{"id":"ana@example.com"}}"""u8.ToArray().Append((byte)'\n').ToArray();

    [Theory]
    [InlineData(Pipe)]
    [InlineData(StandardInput)]
    public async Task Replay_InputStillOpen_SaysEachSkippedLineAsItIsRead(string input)
    {
        var ct = Ct;
        var (replay, writer, name) = await StartWithWriterAsync(input, ct);
        await using var _ = writer;
        var now = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        await writer.WriteAsync(UndatedLine, ct);
        await writer.WriteAsync(Encoding.UTF8.GetBytes(
            $$"""{"id":"e-2","time":"{{now}}","kind":"access.request","subject":{"id":"ana@example.com"},"action":"read","outcome":"success"}""" + "\n"), ct);
        await writer.FlushAsync(ct);

        await SaidAsync(replay, $"ztstream replay: {name}: skipped item 0 (line 1): time: required", "the skipped line was not said while the input was open");
        Assert.False(replay.HasExited, "the replay waits for the rest of its input");

        await writer.DisposeAsync();
        await replay.ExitsWithAsync(1, TimeSpan.FromSeconds(60), ct);

        Assert.Contains($"ztstream replay: {name}: 2 input items: 1 events scored, 1 skipped", replay.Output, StringComparison.Ordinal);
        Assert.Contains("ztstream replay:   skipped 1 × time: required (item 0 (line 1))", replay.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A writer that holds the input open and writes nothing more (a <c>tail -f</c> of a quiet log): the replay waits in its
    /// read. Before, that read held the process in the kernel, deaf to Ctrl-C and SIGTERM; now either stops it, exit 130.
    /// </summary>
    [Theory]
    [InlineData(Pipe, "TERM")]
    [InlineData(Pipe, "INT")]
    [InlineData(StandardInput, "TERM")]
    [InlineData(StandardInput, "INT")]
    public async Task Replay_WriterHoldsTheInputOpenWritingNothing_StopsOnTheSignal(string input, string signal)
    {
        var ct = Ct;
        var (replay, writer, name) = await StartWithWriterAsync(input, ct);
        await using var _ = writer;
        await writer.WriteAsync(UndatedLine, ct);
        await writer.FlushAsync(ct);

        // Said once the line was read: the replay is past opening its input and waits in a read for more.
        await SaidAsync(replay, $"ztstream replay: {name}: skipped item 0 (line 1): time: required", "the replay did not read its input");
        await StopsOnSignalAsync(replay, signal);
    }

    /// <summary>
    /// Opening a named pipe waits until something writes to it. Before, that wait held the process in the kernel, deaf to
    /// Ctrl-C and SIGTERM (only SIGKILL ended it) and silent; now it says what it waits for and stops as asked, exit 130.
    /// </summary>
    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Replay_PipeNothingWritesTo_SaysItWaitsAndStopsOnTheSignal(string signal)
    {
        var ct = Ct;
        var pipe = await OddFiles.MakeAsync(OddFiles.Fifo, Processes.Folder.FullName);
        var replay = await Processes.StartAsync("replay", ["replay", pipe], waitForListening: false, ct, launcher: ZtStreamProcess.AsFromATerminal);

        await SaidAsync(replay, $"ztstream replay: {pipe} is a named pipe: waiting for a writer to open it", "the replay did not say it waits for a writer");

        await StopsOnSignalAsync(replay, signal);
    }

    /// <summary>
    /// An input that is no JSON at all, written into the pipe by a writer that keeps it open, is named from its first line
    /// and the replay exits 2 at once. Before, a canonical line was read until it passed 4 MiB and a source's file until
    /// 64 MiB or its end: with the writer still there, nothing was ever said.
    /// </summary>
    [Theory]
    [InlineData("ndjson", "gzip", "is not NDJSON: it is gzip-compressed: decompress it first")]
    [InlineData("ndjson", "csv", "is not NDJSON: line 1 starts with 'time,subject,action', not with a JSON object or array")]
    [InlineData("k8s-audit", "yaml", "is not JSON: line 1 starts with 'apiVersion: audit.k8s.io/v1', not with a JSON object or array")]
    [InlineData("okta", "gzip", "is not JSON: it is gzip-compressed: decompress it first")]
    public async Task Replay_NotJsonFromAPipeStillOpen_NamedFromItsFirstLine_ExitsTwo(string format, string shape, string expected)
    {
        var ct = Ct;
        var pipe = await OddFiles.MakeAsync(OddFiles.Fifo, Processes.Folder.FullName);
        var replay = await Processes.StartAsync("replay", ["replay", pipe, "--format", format], waitForListening: false, ct);
        byte[] written = shape switch
        {
            // gzip's member header (RFC 1952) and the first deflate bytes of a compressed recording.
            "gzip" => [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xAB, 0x56, 0xCA, 0x4C, 0x51, 0xB2, 0x52, 0x4A],
            "csv" => "time,subject,action\n2026-03-01T10:00:00Z,ana@example.com,read\n"u8.ToArray(),
            _ => "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"u8.ToArray(),
        };

        await using var writer = await Task.Run(() => new FileStream(pipe, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0), ct)
            .WaitAsync(TimeSpan.FromSeconds(90), ct);
        await writer.WriteAsync(written, ct);
        await writer.FlushAsync(ct);

        // The writer stays: a guard, not a speed — a replay that waits for more never exits while it is there.
        await replay.ExitsWithAsync(2, TimeSpan.FromSeconds(60), ct);

        var line = Assert.Single(replay.Output.Split('\n'), l => l.Contains(expected, StringComparison.Ordinal));
        Assert.Equal($"ztstream replay: file '{pipe}' {expected}", line);
    }

    /// <summary>
    /// <c>ztstream replay INPUT</c> and what writes to its input: a named pipe in the test's folder the test opens to write
    /// (<see cref="Pipe"/>), or its standard input (<c>-</c>); with the name the replay gives that input in what it says.
    /// </summary>
    private async Task<(ZtStreamProcess Replay, Stream Writer, string Name)> StartWithWriterAsync(string input, CancellationToken ct)
    {
        if (input == StandardInput)
        {
            var fromStdin = await Processes.StartAsync("replay", ["replay", input], waitForListening: false, ct, launcher: ZtStreamProcess.AsFromATerminal, standardInput: true);
            return (fromStdin, fromStdin.StandardInput, "standard input");
        }

        var pipe = await OddFiles.MakeAsync(OddFiles.Fifo, Processes.Folder.FullName);
        var replay = await Processes.StartAsync("replay", ["replay", pipe], waitForListening: false, ct, launcher: ZtStreamProcess.AsFromATerminal);

        // Opening a pipe's writing end waits for its reader: the replay.
        var writer = await Task.Run(() => new FileStream(pipe, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0), ct)
            .WaitAsync(TimeSpan.FromSeconds(90), ct);
        return (replay, writer, pipe);
    }

    private static async Task SaidAsync(ZtStreamProcess replay, string line, string failure)
    {
        if (!await Eventually.WithinAsync(() => Task.FromResult(replay.Output.Contains(line, StringComparison.Ordinal)), TimeSpan.FromSeconds(60), Ct))
        {
            Assert.Fail($"{failure}:\n{replay.Output}");
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the replay, which must stop saying so, exit 130.</summary>
    private static async Task StopsOnSignalAsync(ZtStreamProcess replay, string signal)
    {
        var sent = await LocalProcess.RunAsync("kill", [$"-{signal}", replay.ProcessId.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
        Assert.True(sent.Succeeded, sent.Output);

        // A guard, not a speed: a process deaf to the signal never exits.
        var code = await replay.WaitForExitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.True(code == 130, $"exit {code}:\n{replay.Output}");
        Assert.Contains("ztstream replay: stopped", replay.Output, StringComparison.Ordinal);
    }
}
