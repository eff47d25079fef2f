using Microsoft.AspNetCore.Http;

namespace ZtStream.Platform.Tests.Http;

public sealed class EventStreamTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Long = TimeSpan.FromHours(1);

    [Fact]
    public void TryResumeFrom_HeaderAndQuery_HeaderWins()
    {
        var request = Request("?since=5");
        request.Headers["Last-Event-ID"] = "42";

        Assert.True(EventStream.TryResumeFrom(request, "since", out var position));
        Assert.Equal(42, position);
    }

    [Fact]
    public void TryResumeFrom_QueryOnly_ReadsQuery()
    {
        Assert.True(EventStream.TryResumeFrom(Request("?since=7"), "since", out var position));
        Assert.Equal(7, position);
    }

    [Fact]
    public void TryResumeFrom_NeitherGiven_NoPosition()
    {
        Assert.True(EventStream.TryResumeFrom(Request("?other=3"), "since", out var position));
        Assert.Null(position);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("1.5")]
    [InlineData(" 7")]
    [InlineData("99999999999999999999")]
    public void TryResumeFrom_NotAWholeNumber_Refused(string given)
    {
        var request = Request(string.Empty);
        request.Headers["Last-Event-ID"] = given;

        Assert.False(EventStream.TryResumeFrom(request, "since", out _));
    }

    [Fact]
    public void AppendEvent_OneEvent_EventIdDataAndBlankLine()
    {
        var text = EventStream.AppendEvent(new StringBuilder("x"), "alert", 12, "{\"a\":1}").ToString();

        Assert.Equal("xevent: alert\nid: 12\ndata: {\"a\":1}\n\n", text);
    }

    [Fact]
    public async Task PumpAsync_FullBatch_ReadsOnWithoutWaiting()
    {
        var (http, body, aborted) = Context();
        var reads = new List<long>();
        var pages = new Queue<long[]>([[1, 2], [3]]);
        var stream = await EventStream.StartAsync(http, new FakeTimeProvider(), 1000);

        var pump = stream.PumpAsync(
            0,
            (since, _) =>
            {
                lock (reads)
                {
                    reads.Add(since);
                    return Task.FromResult<IReadOnlyList<long>>(pages.TryDequeue(out var page) ? page : []);
                }
            },
            2,
            Write,
            () => new TaskCompletionSource().Task,
            Long,
            Long);

        // No wake and no time passes: the third event is only there because a full batch is followed by a read at once.
        await body.WaitForAsync(text => text.Contains("id: 3\n", StringComparison.Ordinal), Patience);
        await aborted.CancelAsync();
        await pump.WaitAsync(Patience);

        Assert.Equal("retry: 1000\n\nevent: n\nid: 1\ndata: 1\n\nevent: n\nid: 2\ndata: 2\n\nevent: n\nid: 3\ndata: 3\n\n", body.Text);
        lock (reads)
        {
            // The second read follows the full first batch; after a short batch the stream waits.
            Assert.Equal([0, 2], reads);
        }

        Assert.Equal("text/event-stream", http.Response.ContentType);
        Assert.Equal("no-cache", http.Response.Headers.CacheControl);
    }

    [Fact]
    public async Task PumpAsync_Woken_ReadsAtOnceFromLastPosition()
    {
        var (http, body, aborted) = Context();
        var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long[] available = [];
        var stream = await EventStream.StartAsync(http, new FakeTimeProvider(), 2000);

        var pump = stream.PumpAsync(
            10,
            (since, _) =>
            {
                ready.TrySetResult();
                return Task.FromResult<IReadOnlyList<long>>([.. Volatile.Read(ref available).Where(v => v > since)]);
            },
            100,
            Write,
            () => wake.Task,
            Long,
            Long);

        await ready.Task.WaitAsync(Patience);
        Volatile.Write(ref available, [9, 11]);
        wake.SetResult();
        await body.WaitForAsync(text => text.Contains("id: 11\n", StringComparison.Ordinal), Patience);
        await aborted.CancelAsync();
        await pump.WaitAsync(Patience);

        Assert.Equal("retry: 2000\n\nevent: n\nid: 11\ndata: 11\n\n", body.Text);
    }

    [Fact]
    public async Task PumpAsync_Idle_WritesKeepAliveComment()
    {
        var (http, body, aborted) = Context();
        var time = new FakeTimeProvider();
        var keepAlive = TimeSpan.FromSeconds(15);
        var stream = await EventStream.StartAsync(http, time, 1000);

        var pump = Idle(stream, keepAlive);

        // The clock moves only while the test moves it; keep moving it until the idle stream speaks.
        using var deadline = new CancellationTokenSource(Patience);
        while (!body.Text.Contains(": keep-alive\n\n", StringComparison.Ordinal))
        {
            time.Advance(keepAlive);
            await Task.Delay(20, deadline.Token);
        }

        await aborted.CancelAsync();
        await pump.WaitAsync(Patience);

        Assert.StartsWith("retry: 1000\n\n: keep-alive\n\n", body.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("event:", body.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PumpAsync_HostStopping_EndsWhileTheClientStaysConnected()
    {
        var (http, body, aborted) = Context();
        var lifetime = new StoppingLifetime();
        await using var services = new ServiceCollection().AddSingleton<IHostApplicationLifetime>(lifetime).BuildServiceProvider();
        http.RequestServices = services;
        var stream = await EventStream.StartAsync(http, new FakeTimeProvider(), 1000);

        var pump = Idle(stream, Long);
        await body.WaitForAsync(text => text.StartsWith("retry: ", StringComparison.Ordinal), Patience);
        Assert.False(pump.IsCompleted);

        lifetime.StopApplication();
        await pump.WaitAsync(Patience);

        Assert.False(aborted.IsCancellationRequested);
    }

    /// <summary>Pumps a stream that has nothing to send and is never woken.</summary>
    private static Task Idle(EventStream stream, TimeSpan keepAlive) =>
        stream.PumpAsync(0, (_, _) => Task.FromResult<IReadOnlyList<long>>([]), 100, Write, () => new TaskCompletionSource().Task, Long, keepAlive);

    private static long Write(StringBuilder buffer, long item)
    {
        EventStream.AppendEvent(buffer, "n", item, item.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return item;
    }

    private static HttpRequest Request(string query)
    {
        var http = new DefaultHttpContext();
        http.Request.QueryString = new QueryString(query);
        return http.Request;
    }

    private static (DefaultHttpContext Http, RecordingStream Body, CancellationTokenSource Aborted) Context()
    {
        var aborted = new CancellationTokenSource();
        var body = new RecordingStream();
        var http = new DefaultHttpContext { RequestAborted = aborted.Token };
        http.Response.Body = body;
        return (http, body, aborted);
    }

    /// <summary>The host's lifetime, whose stopping the test signals (as SIGTERM does).</summary>
    private sealed class StoppingLifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource stopping = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => stopping.Cancel();
    }

    /// <summary>A response body that keeps what was written, readable while the stream is still being written.</summary>
    private sealed class RecordingStream : Stream
    {
        private readonly Lock gate = new();
        private readonly StringBuilder text = new();

        public string Text
        {
            get
            {
                lock (gate)
                {
                    return text.ToString();
                }
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public async Task WaitForAsync(Func<string, bool> condition, TimeSpan patience)
        {
            using var deadline = new CancellationTokenSource(patience);
            while (!condition(Text))
            {
                await Task.Delay(20, deadline.Token);
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (gate)
            {
                text.Append(Encoding.UTF8.GetString(buffer, offset, count));
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (gate)
            {
                text.Append(Encoding.UTF8.GetString(buffer.Span));
            }

            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
