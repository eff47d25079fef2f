namespace ZtStream.Responder.Tests.Revocation;

public sealed class RevocationFeedTests
{
    [Fact]
    public async Task Stream_PushesARevocationAsSoonAsTheAlertIsActedOn()
    {
        await using var host = await new ResponderTestHost(ResponseFlowTests.RevokeCritical).StartAsync();
        var ct = Ct;
        await using var stream = await SseReader.OpenAsync(host.ClientFor(ResponderTestHost.FeedToken), RevocationFeed.StreamPath, null, ct);

        await host.PublishAlertAsync(TestAlerts.Critical("sse-1", jti: "jti-sse"));

        var message = await stream.NextEventAsync(ct);
        Assert.Equal("revocation", message.Event);
        var entry = JsonSerializer.Deserialize(message.Data, ContractsJsonContext.Default.Revocation)!;
        Assert.Equal("jti-sse", entry.Jti);
        Assert.Equal(entry.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), message.Id);
    }

    [Fact]
    public async Task Stream_WithLastEventId_ResumesAfterThatVersion()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        var revoker = host.Get<ITokenRevoker>();
        for (var i = 1; i <= 3; i++)
        {
            await revoker.RevokeTokenAsync(new RevokeToken { ActionId = Guid.NewGuid(), Jti = $"j{i}", Reason = "t", RequestedBy = "t" }, ct);
        }

        var snapshot = await host.ClientFor(ResponderTestHost.FeedToken).GetFromJsonAsync<JsonElement>(RevocationFeed.SnapshotPath, ct);
        Assert.Equal(3, snapshot.GetProperty("version").GetInt64());

        await using var stream = await SseReader.OpenAsync(host.ClientFor(ResponderTestHost.FeedToken), RevocationFeed.StreamPath, "1", ct);
        var second = await stream.NextEventAsync(ct);
        var third = await stream.NextEventAsync(ct);
        Assert.Equal(["2", "3"], [second.Id, third.Id]);
        Assert.Contains("\"jti\":\"j2\"", second.Data);
    }

    [Fact]
    public async Task Stream_WhenIdle_SendsKeepAliveComments()
    {
        await using var host = await new ResponderTestHost().WithSetting("Responder:Feed:KeepAlive", "00:00:15").StartAsync();
        var ct = Ct;
        await using var stream = await SseReader.OpenAsync(host.ClientFor(ResponderTestHost.FeedToken), RevocationFeed.StreamPath, null, ct);

        var comment = stream.NextCommentAsync(ct);
        // The stream's wait is on the fake clock; advance until its timer has been armed and fires.
        while (!comment.IsCompleted)
        {
            host.Time.Advance(TimeSpan.FromSeconds(16));
            await Task.WhenAny(comment, Task.Delay(50, ct));
        }

        Assert.Equal(": keep-alive", await comment);
    }

    [Fact]
    public async Task Stream_SeesEntriesAnotherInstanceWrote_ByPollingTheStore()
    {
        using var folder = new TempFolder();
        await using var writer = await new ResponderTestHost(folder: folder.Path).StartAsync();
        await using var reader = await new ResponderTestHost(folder: folder.Path).StartAsync();
        var ct = Ct;
        await using var stream = await SseReader.OpenAsync(reader.ClientFor(ResponderTestHost.FeedToken), RevocationFeed.StreamPath, null, ct);

        await writer.Get<ITokenRevoker>().RevokeSubjectSessionsAsync(
            new RevokeSubjectSessions { ActionId = Guid.NewGuid(), SubjectId = "mallory", NotBefore = writer.Time.GetUtcNow(), Reason = "t", RequestedBy = "t" }, ct);

        var next = stream.NextEventAsync(ct);
        while (!next.IsCompleted)
        {
            reader.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(next, Task.Delay(50, ct));
        }

        var entry = JsonSerializer.Deserialize((await next).Data, ContractsJsonContext.Default.Revocation)!;
        Assert.Equal("mallory", entry.SubjectId);
        Assert.Equal(writer.Time.GetUtcNow(), entry.NotBefore);
    }

    [Fact]
    public async Task Feed_WithoutCredential_401_WithTheFeedTokenOrAnyApiToken_Served()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;

        foreach (var path in new[] { RevocationFeed.SnapshotPath, RevocationFeed.StreamPath })
        {
            using var anonymous = await host.Client.GetAsync(path, ct);
            await HttpProblem.ReadAsync(anonymous, HttpStatusCode.Unauthorized, path);
            using var wrong = await host.ClientFor("not-a-token-of-this-responder-0123456789").GetAsync(path, ct);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await host.ClientFor(ResponderTestHost.FeedToken).GetAsync(RevocationFeed.SnapshotPath, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.ClientFor(ResponderTestHost.AnalystToken).GetAsync(RevocationFeed.SnapshotPath, ct)).StatusCode);
    }

    [Fact]
    public async Task Feed_Anonymous_ServedWithoutCredential_ButAWrongCredentialIsStill401()
    {
        await using var host = await new ResponderTestHost().WithSetting("Responder:Feed:Anonymous", "true").StartAsync();
        var ct = Ct;

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync(RevocationFeed.SnapshotPath, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.ClientFor("not-a-token-of-this-responder-0123456789").GetAsync(RevocationFeed.SnapshotPath, ct)).StatusCode);
    }

    [Fact]
    public async Task RevocationList_SameActionTwice_OneEntryAndSaysSo()
    {
        await using var host = await new ResponderTestHost().StartAsync();
        var ct = Ct;
        var command = new RevokeToken { ActionId = Guid.NewGuid(), Jti = "j", SessionId = "s", Reason = "t", RequestedBy = "t" };
        var revoker = host.Get<ITokenRevoker>();

        var first = await revoker.RevokeTokenAsync(command, ct);
        var second = await revoker.RevokeTokenAsync(command, ct);

        Assert.True(first.Changed);
        Assert.False(second.Changed);
        Assert.Contains("already listed", second.Detail);
        var snapshot = await host.Get<RevocationStore>().SnapshotAsync(ct);
        Assert.Equal(2, snapshot.Revocations.Count);
        Assert.Equal(2, snapshot.Version);
    }
}

/// <summary>Reads server-sent events line by line.</summary>
internal sealed class SseReader : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseReader(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body);
    }

    public static async Task<SseReader> OpenAsync(HttpClient client, string path, string? lastEventId, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseReader(response, await response.Content.ReadAsStreamAsync(ct));
    }

    public async Task<(string Event, string Id, string Data)> NextEventAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        string? name = null, id = null, data = null;
        while (true)
        {
            var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException();
            if (line.Length == 0)
            {
                if (name is not null)
                {
                    return (name, id ?? "", data ?? "");
                }

                continue;
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }
    }

    public async Task<string> NextCommentAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        while (true)
        {
            var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException();
            if (line.StartsWith(':'))
            {
                return line;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
