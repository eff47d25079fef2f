namespace ZtStream.Host.Tests.Cli;

/// <summary>
/// A <c>run</c> in this process through the one runner, serving until disposed: disposing stops it as Ctrl-C does, and
/// it must then exit 0. <see cref="StartAsync"/> returns once it says where it listens.
/// </summary>
internal sealed partial class ServingRun : IAsyncDisposable
{
    private readonly StringWriter stdout = new();
    private readonly StringWriter stderr = new();
    private readonly CancellationTokenSource stop;
    private readonly Task<int> run;

    private ServingRun(string[] args, CancellationToken ct)
    {
        stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        run = ZtStreamCli.RunAsync(args, TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), stop.Token);
    }

    /// <summary>The address it said it listens on.</summary>
    public Uri Url { get; private set; } = null!;

    public static async Task<ServingRun> StartAsync(string[] args, CancellationToken ct)
    {
        var serving = new ServingRun(args, ct);
        try
        {
            serving.Url = new Uri(await serving.WaitForListeningUrlAsync(ct));
            return serving;
        }
        catch
        {
            await serving.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await stop.CancelAsync();
            Assert.Equal(0, await run);
        }
        finally
        {
            stop.Dispose();
            stdout.Dispose();
            stderr.Dispose();
        }
    }

    private async Task<string> WaitForListeningUrlAsync(CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (run.IsCompleted)
            {
                Assert.Fail($"ztstream run exited with {await run} before listening");
            }

            var match = ListeningUrl().Match(stdout.ToString());
            if (match.Success)
            {
                return match.Groups[1].Value;
            }

            await Task.Delay(50, deadline.Token);
        }
    }

    [GeneratedRegex(@"listening on (http://[^\s,]+)")]
    private static partial Regex ListeningUrl();
}
