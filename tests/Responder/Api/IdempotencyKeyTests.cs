using Npgsql;
using System.Globalization;
using ZtStream.Responder.Api;

namespace ZtStream.Responder.Tests.Api;

/// <summary>
/// The creating POSTs with an <c>Idempotency-Key</c> (draft-ietf-httpapi-idempotency-key-header): a repeat with the same
/// key and request answers the first answer again and creates nothing, the same key with another request is 422, a repeat
/// while the first runs is 409 or the replay, a malformed key is 400 naming the header. Keys are the caller's own, expire
/// after 24 hours and outlive a restart. On SQLite here and on PostgreSQL by <see cref="PostgresIdempotencyKeyTests"/>.
/// </summary>
public abstract class IdempotencyKeyContractTests
{
    private const string SecondResponderToken = "responder-token-two-0123456789abcdef0123";
    private const string Key = "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"";

    private static readonly object Revoke = new { kind = "revoke_subject_sessions", subject_id = "mallory", reason = "stolen laptop" };

    /// <summary>A factory of Responders that share one fresh store (a restart: the next one it makes), not yet started.</summary>
    private protected abstract Task<Func<ResponderTestHost>> StoreAsync();

    private async Task<ResponderTestHost> StartAsync() => await (await StoreAsync())().StartAsync();

    private static HttpRequestMessage Post(string path, object body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return request;
    }

    private protected static async Task<(HttpStatusCode Status, string Body, bool Replayed)> SendAsync(HttpClient client, string path, object body, string? key = Key)
    {
        using var response = await client.SendAsync(Post(path, body, key), Ct);
        var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Single() == "true";
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), replayed);
    }

    private static Guid IdOf(string body) => JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();

    private static async Task<int> ActionCountAsync(ResponderTestHost host) => (await host.Get<ActionStore>().QueryAsync(new ActionQuery(Limit: 1000), Ct)).Count;

    public static TheoryData<string, string> WellFormedKeys => new()
    {
        { Key, "a UUID, as the draft's example" },
        { " \"opaque key 42\"  ", "spaces around the string, which Structured Fields strip" },
        { "\"say \\\"again\\\" \\\\ please\"", "escaped quote and backslash" },
        { "\"" + new string('k', 255) + "\"", "the longest key taken, 255 characters" },
    };

    [Theory]
    [MemberData(nameof(WellFormedKeys))]
    public async Task Trigger_SameKeyTwice_IsOneAction_AndTheSecondAnswerIsTheFirst_MarkedReplayed(string key, string shape)
    {
        await using var host = await StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var first = await SendAsync(responder, "/v1/actions", Revoke, key);
        var second = await SendAsync(responder, "/v1/actions", Revoke, key);

        Assert.True(first.Status == HttpStatusCode.Accepted, shape);
        Assert.False(first.Replayed, shape);
        Assert.Equal((HttpStatusCode.Accepted, first.Body, true), second);
        Assert.Equal(1, await ActionCountAsync(host));
    }

    [Fact]
    public async Task Trigger_WithoutTheHeader_IsAsBefore_EachPostIsAnAction()
    {
        await using var host = await StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var first = await SendAsync(responder, "/v1/actions", Revoke, key: null);
        var second = await SendAsync(responder, "/v1/actions", Revoke, key: null);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.Status, second.Status));
        Assert.NotEqual(IdOf(first.Body), IdOf(second.Body));
        Assert.Equal(2, await ActionCountAsync(host));
    }

    [Fact]
    public async Task Trigger_SameKey_AnotherBody_Is422NamingTheHeader_AndNothingMore()
    {
        await using var host = await StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var first = await SendAsync(responder, "/v1/actions", Revoke);

        using var other = await responder.SendAsync(Post("/v1/actions", new { kind = "revoke_subject_sessions", subject_id = "trudy" }, Key), Ct);

        var error = await HttpProblem.ReadOneErrorAsync(other, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Idempotency-Key", error.GetProperty("field").GetString());
        Assert.Equal(1, await ActionCountAsync(host));
        Assert.Equal(first.Body, (await SendAsync(responder, "/v1/actions", Revoke)).Body);
    }

    /// <summary>A key is the caller's own: another caller's same key neither reads the first caller's answer nor is refused.</summary>
    [Fact]
    public async Task Trigger_TwoCallers_SameKey_AreTwoActions_EachReplayedToItsOwnCaller()
    {
        var store = await StoreAsync();
        await using var host = await store()
            .WithSetting("Responder:ApiTokens:3:Name", "ria")
            .WithSetting("Responder:ApiTokens:3:Role", "responder")
            .WithSetting("Responder:ApiTokens:3:Token", SecondResponderToken)
            .StartAsync();
        var rex = host.ClientFor(ResponderTestHost.ResponderToken);
        var ria = host.ClientFor(SecondResponderToken);

        var rexFirst = await SendAsync(rex, "/v1/actions", Revoke);
        var riaFirst = await SendAsync(ria, "/v1/actions", Revoke);
        var riaAgain = await SendAsync(ria, "/v1/actions", Revoke);
        var rexAgain = await SendAsync(rex, "/v1/actions", Revoke);

        Assert.NotEqual(IdOf(rexFirst.Body), IdOf(riaFirst.Body));
        Assert.Equal((riaFirst.Body, true), (riaAgain.Body, riaAgain.Replayed));
        Assert.Equal((rexFirst.Body, true), (rexAgain.Body, rexAgain.Replayed));
        Assert.Equal("ria", JsonDocument.Parse(riaAgain.Body).RootElement.GetProperty("requested_by").GetString());
        Assert.Equal(2, await ActionCountAsync(host));
    }

    public static TheoryData<string, string> MalformedKeys => new()
    {
        { "8e03978e-40d5-43e8-bc93-6894a57f9324", "a token, not a String: unquoted" },
        { "\"\"", "an empty String" },
        { "\"" + new string('k', 256) + "\"", "over 255 characters" },
        { "\"unterminated", "no closing quote" },
        { "\"bad \\n escape\"", "an escape other than \\\" and \\\\" },
        { "\"a\", \"b\"", "a List of two, not one Item" },
        { "\"a\";expires=1", "a parameter, which this header does not take" },
        { "\"tab\there\"", "a control character" },
        { "\"k\" trailing", "characters after the String" },
    };

    [Theory]
    [MemberData(nameof(MalformedKeys))]
    public async Task Trigger_MalformedKey_Is400NamingTheHeader_AndNoAction(string key, string shape)
    {
        await using var host = await StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        using var answer = await responder.SendAsync(Post("/v1/actions", Revoke, key), Ct);

        Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{shape}: {answer.StatusCode}");
        var error = await HttpProblem.ReadOneErrorAsync(answer, HttpStatusCode.BadRequest);
        Assert.Equal("Idempotency-Key", error.GetProperty("field").GetString());
        Assert.Equal(0, await ActionCountAsync(host));
    }

    [Fact]
    public async Task Trigger_TheHeaderTwice_Is400NamingIt()
    {
        await using var host = await StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        using var request = Post("/v1/actions", Revoke, Key);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", "\"another\"");

        var problem = await HttpProblem.ReadAsync(await responder.SendAsync(request, Ct), HttpStatusCode.BadRequest);

        Assert.Equal("Idempotency-Key", problem.GetProperty("errors")[0].GetProperty("field").GetString());
        Assert.Equal(0, await ActionCountAsync(host));
    }

    /// <summary>
    /// The same request sent many times at once (a proxy's retries racing the first): one action; every answer is that
    /// action or a 409 saying the first is still under way.
    /// </summary>
    [Fact]
    public async Task Trigger_SameKeyManyAtOnce_IsOneAction_EachAnswerItOr409()
    {
        await using var host = await StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => responder.SendAsync(Post("/v1/actions", Revoke, Key), Ct)));

        var made = answers.Where(a => a.StatusCode == HttpStatusCode.Accepted).ToList();
        Assert.NotEmpty(made);
        Assert.Single((await Task.WhenAll(made.Select(a => a.Content.ReadAsStringAsync(Ct)))).Distinct());
        foreach (var busy in answers.Where(a => a.StatusCode != HttpStatusCode.Accepted))
        {
            var problem = await HttpProblem.ReadAsync(busy, HttpStatusCode.Conflict);
            Assert.Equal("Idempotency-Key", problem.GetProperty("errors")[0].GetProperty("field").GetString());
            Assert.NotNull(busy.Headers.RetryAfter);
        }

        Assert.Equal(1, await ActionCountAsync(host));
    }

    [Fact]
    public async Task Trigger_SameKey_ReplaysFor24Hours_ThenIsANewRequest()
    {
        await using var host = await StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var first = await SendAsync(responder, "/v1/actions", Revoke);

        host.Time.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal((first.Body, true), ((await SendAsync(responder, "/v1/actions", Revoke)) is var kept ? (kept.Body, kept.Replayed) : default));

        host.Time.Advance(TimeSpan.FromSeconds(2));
        var later = await SendAsync(responder, "/v1/actions", Revoke);
        Assert.Equal((HttpStatusCode.Accepted, false), (later.Status, later.Replayed));
        Assert.NotEqual(IdOf(first.Body), IdOf(later.Body));
        Assert.Equal(2, await ActionCountAsync(host));
    }

    [Fact]
    public async Task Trigger_SameKey_AfterARestartOnTheSameStore_IsReplayed()
    {
        var store = await StoreAsync();
        string firstBody;
        await using (var before = await store().StartAsync())
        {
            firstBody = (await SendAsync(before.ClientFor(ResponderTestHost.ResponderToken), "/v1/actions", Revoke)).Body;
        }

        await using var after = await store().StartAsync();
        var again = await SendAsync(after.ClientFor(ResponderTestHost.ResponderToken), "/v1/actions", Revoke);

        Assert.Equal((HttpStatusCode.Accepted, firstBody, true), again);
        Assert.Equal(1, await ActionCountAsync(after));
    }

    /// <summary>An answer that made nothing (a refused body) is not kept: the key may be sent again with a corrected request.</summary>
    [Fact]
    public async Task Trigger_RefusedFirst_IsNotKept_TheSameKeyThenCreates()
    {
        await using var host = await StartAsync();
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);

        var refused = await SendAsync(responder, "/v1/actions", new { kind = "revoke_subject_sessions" });
        var made = await SendAsync(responder, "/v1/actions", Revoke);
        var again = await SendAsync(responder, "/v1/actions", Revoke);

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal((HttpStatusCode.Accepted, false), (made.Status, made.Replayed));
        Assert.Equal((made.Body, true), (again.Body, again.Replayed));
        Assert.Equal(1, await ActionCountAsync(host));
    }

    [Fact]
    public async Task Suppression_SameKeyTwice_IsOneSuppression()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync((await StoreAsync())().StartAsync(), TestAlerts.Critical("idem-sp"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var body = new { alert_id = "idem-sp", scope = "principal", note = "pen test week" };

        var first = await SendAsync(analyst, "/v1/suppressions", body);
        var second = await SendAsync(analyst, "/v1/suppressions", body);

        Assert.Equal((HttpStatusCode.Created, first.Body, true), second);
        Assert.Single(await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(State: null), Ct));
    }

    [Fact]
    public async Task Comment_SameKeyTwice_IsOneComment_AnotherKeyAnother()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync((await StoreAsync())().StartAsync(), TestAlerts.Critical("idem-c"));
        var analyst = host.ClientFor(ResponderTestHost.AnalystToken);
        var body = new { text = "checking with the shop team" };

        var first = await SendAsync(analyst, "/v1/alerts/idem-c/comments", body);
        var second = await SendAsync(analyst, "/v1/alerts/idem-c/comments", body);
        await SendAsync(analyst, "/v1/alerts/idem-c/comments", body, "\"a second, deliberate comment\"");

        Assert.Equal((HttpStatusCode.Created, first.Body, true), second);
        var comments = (await host.Get<AlertStore>().HistoryAsync("idem-c", Ct)).Count(h => h.Change == "comment");
        Assert.Equal(2, comments);
    }

    /// <summary>
    /// RFC 9110 §10.2.2 / §15.3.2: a creating answer names what it made in <c>Location</c>, an address a viewer can read it
    /// at (for a comment, the alert whose history holds it); a repeat of its <c>Idempotency-Key</c> answers the same one.
    /// </summary>
    [Theory]
    [InlineData("/v1/actions", "action", HttpStatusCode.Accepted)]
    [InlineData("/v1/suppressions", "suppression", HttpStatusCode.Created)]
    [InlineData("/v1/alerts/idem-loc/comments", "comment", HttpStatusCode.Created)]
    public async Task Create_NamesWhatItMadeInLocation_AndARepeatAnswersTheSameLocation(string path, string what, HttpStatusCode status)
    {
        await using var host = await ResponderTestHost.WithAlertsAsync((await StoreAsync())().StartAsync(), TestAlerts.Critical("idem-loc"));
        var client = host.ClientFor(what == "action" ? ResponderTestHost.ResponderToken : ResponderTestHost.AnalystToken);
        object body = what switch
        {
            "action" => Revoke,
            "suppression" => new { alert_id = "idem-loc", scope = "principal", note = "pen test week" },
            _ => new { text = "checking with the shop team" },
        };

        using var first = await client.SendAsync(Post(path, body, Key), Ct);
        using var second = await client.SendAsync(Post(path, body, Key), Ct);

        Assert.Equal((status, status), (first.StatusCode, second.StatusCode));
        var location = first.Headers.Location;
        Assert.NotNull(location);
        Assert.Equal(location, second.Headers.Location);
        Assert.True(second.Headers.Contains("Idempotent-Replayed"), what);
        using var read = await host.ClientFor(ResponderTestHost.ViewerToken).GetAsync(location, Ct);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var shown = await read.Content.ReadAsStringAsync(Ct);
        if (what == "comment")
        {
            Assert.Equal("/v1/alerts/idem-loc", location.OriginalString);
            Assert.Contains("checking with the shop team", shown, StringComparison.Ordinal);
        }
        else
        {
            var made = JsonDocument.Parse(await first.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString();
            Assert.Equal($"{path}/{made}", location.OriginalString);
            Assert.Equal(made, JsonDocument.Parse(shown).RootElement.GetProperty("id").GetString());
        }
    }

    /// <summary>
    /// A claim no answer followed (the Responder died while it ran) holds the key for the lease, refused as under way; then
    /// the same request takes it over, once, under the same request id: a retry is not refused for a day, and meets what
    /// the first run made. Another request stays refused, since the first may have made something under the key.
    /// </summary>
    [Fact]
    public async Task Claim_WithoutAnAnswer_HoldsTheKeyForTheLease_ThenTheSameRequestTakesItOver()
    {
        await using var host = await StartAsync();
        var keys = new IdempotencyKeys(host.Get<IStore>(), host.Time);
        var first = await keys.ClaimAsync("token:rex", "k", "f1", Ct);
        Assert.Equal(IdempotencyClaimOutcome.Claimed, first.Outcome);

        host.Time.Advance(IdempotencyKeys.ClaimLease - TimeSpan.FromSeconds(1));
        Assert.Equal(IdempotencyClaimOutcome.InUse, (await keys.ClaimAsync("token:rex", "k", "f1", Ct)).Outcome);
        Assert.Equal(IdempotencyClaimOutcome.OtherRequest, (await keys.ClaimAsync("token:rex", "k", "f2", Ct)).Outcome);

        host.Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(IdempotencyClaimOutcome.OtherRequest, (await keys.ClaimAsync("token:rex", "k", "f2", Ct)).Outcome);
        var retry = await keys.ClaimAsync("token:rex", "k", "f1", Ct);
        Assert.Equal((IdempotencyClaimOutcome.Claimed, first.RequestId), (retry.Outcome, retry.RequestId));
        Assert.NotEqual(first.ClaimId, retry.ClaimId);
        Assert.Equal(IdempotencyClaimOutcome.InUse, (await keys.ClaimAsync("token:rex", "k", "f1", Ct)).Outcome);

        // The run that died cannot answer for the key any more, nor give it up.
        await keys.ReleaseAsync("token:rex", "k", first.ClaimId!, Ct);
        Assert.Equal(IdempotencyClaimOutcome.InUse, (await keys.ClaimAsync("token:rex", "k", "f1", Ct)).Outcome);
    }

    /// <summary>
    /// A run that claimed a key and died before the wall clock stepped back an hour (or at a replica whose clock was an
    /// hour ahead) left a lease an hour ahead: further ahead than any claim sets, so the same request takes it over once
    /// the lease has passed by the time that elapsed, not the hour. A lease within reach is still honoured.
    /// </summary>
    [Theory]
    [InlineData(-60)]
    [InlineData(-1440)]
    public async Task Claim_LeftAheadByAStepBack_IsTakenOverByTheSameRequest_NotHeldForTheStep(int stepMinutes)
    {
        await using var host = await StartAsync();
        var time = new SteppedFakeClock(host.Time.GetUtcNow());
        var keys = new IdempotencyKeys(host.Get<IStore>(), time);
        var first = await keys.ClaimAsync("token:rex", "k", "f1", Ct);

        time.Offset = TimeSpan.FromMinutes(stepMinutes);
        time.Advance(IdempotencyKeys.ClaimLease + TimeSpan.FromSeconds(1));
        Assert.Equal(IdempotencyClaimOutcome.OtherRequest, (await keys.ClaimAsync("token:rex", "k", "f2", Ct)).Outcome);
        var retry = await keys.ClaimAsync("token:rex", "k", "f1", Ct);

        Assert.Equal((IdempotencyClaimOutcome.Claimed, first.RequestId), (retry.Outcome, retry.RequestId));
        Assert.Equal(IdempotencyClaimOutcome.InUse, (await keys.ClaimAsync("token:rex", "k", "f1", Ct)).Outcome);
    }

    /// <summary>A key's request id is the caller's and the key's; the same key given up and claimed again is a new request.</summary>
    [Fact]
    public async Task RequestId_DiffersPerCallerAndKey_AndAfterTheKeyWasGivenUp()
    {
        await using var host = await StartAsync();
        var keys = new IdempotencyKeys(host.Get<IStore>(), host.Time);
        var rex = await keys.ClaimAsync("token:rex", "k", "f", Ct);
        var ria = await keys.ClaimAsync("token:ria", "k", "f", Ct);
        var other = await keys.ClaimAsync("token:rex", "k2", "f", Ct);
        await keys.ReleaseAsync("token:rex", "k", rex.ClaimId!, Ct);
        host.Time.Advance(TimeSpan.FromMilliseconds(1));
        var again = await keys.ClaimAsync("token:rex", "k", "f", Ct);

        Guid?[] ids = [rex.RequestId, ria.RequestId, other.RequestId, again.RequestId];
        Assert.All(ids, id => Assert.NotNull(id));
        Assert.Equal(4, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Equal(8, id!.Value.Version));
        Assert.All(ids, id => Assert.Equal(0b10, id!.Value.Variant >> 2));
    }

    /// <summary>A caller past its bound loses its oldest answered keys, never another caller's nor a claim under way.</summary>
    [Fact]
    public async Task Keys_PastTheBoundPerCaller_TheOldestAnsweredAreForgotten_AndOnlyThose()
    {
        await using var host = await StartAsync();
        var keys = new IdempotencyKeys(host.Get<IStore>(), host.Time) { MaxPerCaller = 3 };
        var answer = new IdempotentAnswer(201, "application/json", "{}"u8.ToArray());
        var running = (await keys.ClaimAsync("token:rex", "k0", "f", Ct)).ClaimId!;
        Assert.NotNull(running);
        await keys.ClaimAsync("token:ria", "k1", "f", Ct);
        for (var i = 1; i <= 4; i++)
        {
            host.Time.Advance(TimeSpan.FromSeconds(1));
            var claim = await keys.ClaimAsync("token:rex", $"k{i}", "f", Ct);
            await keys.CompleteAsync("token:rex", $"k{i}", claim.ClaimId!, answer, Ct);
        }

        host.Time.Advance(TimeSpan.FromSeconds(1));
        await keys.ClaimAsync("token:rex", "k5", "f", Ct);

        await using var connection = await host.Get<IStore>().OpenAsync(Ct);
        var kept = await connection.QueryAsync<(string Caller, string Key)>(
            "SELECT caller, idempotency_key FROM responder_idempotency_keys ORDER BY caller, idempotency_key");
        Assert.Equal([("token:rex", "k0"), ("token:rex", "k4"), ("token:rex", "k5"), ("token:ria", "k1")], kept.ToList());
        Assert.Equal(IdempotencyClaimOutcome.Answered, (await keys.ClaimAsync("token:rex", "k4", "f", Ct)).Outcome);
        Assert.Equal(IdempotencyClaimOutcome.Claimed, (await keys.ClaimAsync("token:rex", "k1", "f", Ct)).Outcome);
    }

    /// <summary>The three creating POSTs, each with what a retry must not make twice, for the crash tests.</summary>
    public static TheoryData<string, string> Creating => new()
    {
        { "/v1/actions", "an action (a revocation)" },
        { "/v1/suppressions", "a suppression" },
        { "/v1/alerts/idem-crash/comments", "a comment" },
    };

    private static object BodyOf(string path) => path switch
    {
        "/v1/actions" => Revoke,
        "/v1/suppressions" => new { alert_id = "idem-crash", scope = "principal", note = "pen test week" },
        _ => new { text = "checking with the shop team" },
    };

    /// <summary>A request the endpoint takes too, but not the one of <see cref="BodyOf"/>.</summary>
    private static object AnotherBodyOf(string path) => path switch
    {
        "/v1/actions" => new { kind = "revoke_subject_sessions", subject_id = "trudy" },
        "/v1/suppressions" => new { alert_id = "idem-crash", scope = "principal", note = "another week" },
        _ => new { text = "the shop team confirmed it" },
    };

    /// <summary>The ids of what <paramref name="path"/> has created so far: actions, suppressions, or the alert's comments.</summary>
    private static async Task<List<string>> CreatedAsync(ResponderTestHost host, string path) => path switch
    {
        // The alert's own automated action is not one a request made.
        "/v1/actions" => [.. (await host.Get<ActionStore>().QueryAsync(new ActionQuery(Limit: 1000), Ct)).Where(a => a.Mode == ResponseModes.Manual).Select(a => a.Id.ToString())],
        "/v1/suppressions" => [.. (await host.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(State: null), Ct)).Select(s => s.Id)],
        _ => [.. (await host.Get<AlertStore>().HistoryAsync("idem-crash", Ct)).Where(h => h.Change == "comment").Select(h => h.Id.ToString(CultureInfo.InvariantCulture))],
    };

    /// <summary>
    /// Sends <paramref name="path"/>'s request with <see cref="Key"/> to a Responder that dies after the endpoint has made
    /// what it makes (or, <paramref name="beforeMaking"/>, as it makes it) and before the answer is kept: the store refuses
    /// every change to the key's row, so neither the answer nor the release is written, as a process killed there writes
    /// neither. What is left is a crash's store: the unanswered claim, and the resource unless it died before making it.
    /// Answers the ids created.
    /// </summary>
    private async Task<List<string>> CrashAfterTheEndpointAsync(Func<ResponderTestHost> store, string path, bool beforeMaking = false)
    {
        await using var dying = await ResponderTestHost.WithAlertsAsync(store().StartAsync(), TestAlerts.Critical("idem-crash"));
        var made = path switch
        {
            "/v1/actions" => "responder_actions",
            "/v1/suppressions" => "responder_suppressions",
            _ => "responder_alert_history",
        };
        var postgres = dying.Get<IStore>().Dialect == StoreDialect.Postgres;
        await dying.ExecuteSqlAsync(postgres
            ? $"""
              CREATE FUNCTION idem_crash() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'killed'; END $$;
              CREATE TRIGGER idem_crash BEFORE UPDATE OR DELETE ON responder_idempotency_keys FOR EACH ROW EXECUTE FUNCTION idem_crash();
              {(beforeMaking ? $"CREATE TRIGGER idem_crash_made BEFORE INSERT ON {made} FOR EACH ROW EXECUTE FUNCTION idem_crash();" : "")}
              """
            : $"""
              CREATE TRIGGER idem_crash_update BEFORE UPDATE ON responder_idempotency_keys BEGIN SELECT RAISE(ABORT, 'killed'); END;
              CREATE TRIGGER idem_crash_delete BEFORE DELETE ON responder_idempotency_keys BEGIN SELECT RAISE(ABORT, 'killed'); END;
              {(beforeMaking ? $"CREATE TRIGGER idem_crash_made BEFORE INSERT ON {made} BEGIN SELECT RAISE(ABORT, 'killed'); END;" : "")}
              """);
        var lost = await SendAsync(dying.ClientFor(ResponderTestHost.ResponderToken), path, BodyOf(path));
        await dying.ExecuteSqlAsync(postgres
            ? $"DROP TRIGGER idem_crash ON responder_idempotency_keys; {(beforeMaking ? $"DROP TRIGGER idem_crash_made ON {made};" : "")} DROP FUNCTION idem_crash();"
            : $"DROP TRIGGER idem_crash_update; DROP TRIGGER idem_crash_delete; {(beforeMaking ? "DROP TRIGGER idem_crash_made;" : "")}");

        Assert.True(lost.Status is HttpStatusCode.InternalServerError or HttpStatusCode.ServiceUnavailable, $"{path}: {lost.Status}");
        var created = await CreatedAsync(dying, path);
        Assert.Equal(beforeMaking ? 0 : 1, created.Count);
        return created;
    }

    /// <summary>
    /// The Responder died after the endpoint made its action, suppression or comment and before the answer was kept. A new
    /// Responder on the same store answers the retry, once the dead one's lease is over, with what the first attempt made:
    /// the same id and the status a first answer has, and nothing made a second time. Within the lease it is 409.
    /// </summary>
    [Theory]
    [MemberData(nameof(Creating))]
    public async Task Retry_AfterACrashBeforeTheAnswerWasKept_AnswersWhatTheFirstMade_AndMakesNothing(string path, string what)
    {
        var store = await StoreAsync();
        var made = await CrashAfterTheEndpointAsync(store, path);

        await using var restarted = await store().StartAsync();
        var responder = restarted.ClientFor(ResponderTestHost.ResponderToken);
        var early = await SendAsync(responder, path, BodyOf(path));
        restarted.Time.Advance(IdempotencyKeys.ClaimLease + TimeSpan.FromSeconds(1));
        var retry = await SendAsync(responder, path, BodyOf(path));
        var again = await SendAsync(responder, path, BodyOf(path));

        Assert.True(early.Status == HttpStatusCode.Conflict, $"{what}: {early.Status} within the lease");
        Assert.Equal(path == "/v1/actions" ? HttpStatusCode.Accepted : HttpStatusCode.Created, retry.Status);
        Assert.Equal(made, await CreatedAsync(restarted, path));
        if (path == "/v1/alerts/idem-crash/comments")
        {
            var alert = await restarted.Get<AlertStore>().GetAsync("idem-crash", Ct);
            Assert.Equal(alert!.Version, JsonDocument.Parse(retry.Body).RootElement.GetProperty("version").GetInt64());
        }
        else
        {
            Assert.Equal(made[0], JsonDocument.Parse(retry.Body).RootElement.GetProperty("id").ToString());
        }

        Assert.Equal((retry.Status, retry.Body, true), again);
    }

    /// <summary>
    /// The Responder died as the endpoint made its action, suppression or comment, so nothing was made: the retry after the
    /// lease makes it, once, and its answer is kept for the repeats after it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Creating))]
    public async Task Retry_AfterACrashBeforeAnythingWasMade_MakesItOnce(string path, string what)
    {
        var store = await StoreAsync();
        await CrashAfterTheEndpointAsync(store, path, beforeMaking: true);

        await using var restarted = await store().StartAsync();
        restarted.Time.Advance(IdempotencyKeys.ClaimLease + TimeSpan.FromSeconds(1));
        var responder = restarted.ClientFor(ResponderTestHost.ResponderToken);
        var retry = await SendAsync(responder, path, BodyOf(path));
        var again = await SendAsync(responder, path, BodyOf(path));

        Assert.True(retry.Status is HttpStatusCode.Accepted or HttpStatusCode.Created, $"{what}: {retry.Status}");
        Assert.False(retry.Replayed);
        Assert.Equal((retry.Status, retry.Body, true), again);
        Assert.Single(await CreatedAsync(restarted, path));
    }

    /// <summary>After such a crash another key is another request, and the crashed key with another body is still 422.</summary>
    [Theory]
    [MemberData(nameof(Creating))]
    public async Task AfterACrash_AnotherKeyMakesAnother_AndTheKeyWithAnotherBodyIs422(string path, string what)
    {
        var store = await StoreAsync();
        var made = await CrashAfterTheEndpointAsync(store, path);

        await using var restarted = await store().StartAsync();
        restarted.Time.Advance(IdempotencyKeys.ClaimLease + TimeSpan.FromSeconds(1));
        var responder = restarted.ClientFor(ResponderTestHost.ResponderToken);
        var other = await SendAsync(responder, path, BodyOf(path), "\"another request\"");
        using var reused = await responder.SendAsync(Post(path, AnotherBodyOf(path), Key), Ct);

        Assert.True(other.Status is HttpStatusCode.Accepted or HttpStatusCode.Created, $"{what}: {other.Status}");
        Assert.False(other.Replayed);
        var now = await CreatedAsync(restarted, path);
        Assert.Equal(2, now.Count);
        Assert.Contains(made[0], now);
        await HttpProblem.ReadAsync(reused, HttpStatusCode.UnprocessableEntity);
    }

    /// <summary>
    /// The first run of a suppression's request stalls past its lease after it found nothing made (alive, not crashed: held
    /// as it tells the Verifier), and its retry, taken over on another Responder on the store, makes the suppression
    /// meanwhile. The stalled run then meets it at its insert and answers it, the same id, as the retry did: one
    /// suppression, one audit entry, no 500, and the Verifier told at the end the suppression as stored, not the stalled
    /// run's (whose expiry, counted from its own start, is another).
    /// </summary>
    [Fact]
    public async Task Suppression_FirstRunStalledPastTheLease_AndItsRetry_AnswerTheOneSuppression()
    {
        var store = await StoreAsync();
        await using var stalled = await ResponderTestHost.WithAlertsAsync(store().StartAsync(), TestAlerts.Critical("idem-race"));
        await using var retrying = await store().StartAsync();
        var body = new { alert_id = "idem-race", scope = "principal", note = "pen test week" };
        var checkedAndHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stalled.EventLog.BeforeAppend = async topic =>
        {
            if (topic == Topics.Feedback && checkedAndHeld.TrySetResult())
            {
                await resume.Task;
            }
        };

        var first = SendAsync(stalled.ClientFor(ResponderTestHost.AnalystToken), "/v1/suppressions", body);
        await checkedAndHeld.Task.WaitAsync(Ct);
        retrying.Time.Advance(IdempotencyKeys.ClaimLease + TimeSpan.FromSeconds(1));
        var retry = await SendAsync(retrying.ClientFor(ResponderTestHost.AnalystToken), "/v1/suppressions", body);
        resume.SetResult();
        var late = await first;

        Assert.Equal(HttpStatusCode.Created, retry.Status);
        Assert.True(late.Status == HttpStatusCode.Created, $"the stalled run answered {late.Status}: {late.Body}");
        var stored = Assert.Single(await retrying.Get<SuppressionStore>().QueryAsync(new SuppressionQuery(State: null), Ct));
        Assert.Equal(stored.Id, JsonDocument.Parse(retry.Body).RootElement.GetProperty("id").GetString());
        Assert.Equal(stored.Id, JsonDocument.Parse(late.Body).RootElement.GetProperty("id").GetString());
        Assert.Equal(stored.ExpiresAt, JsonDocument.Parse(late.Body).RootElement.GetProperty("expires_at").GetDateTimeOffset());
        Assert.Single(await retrying.Get<AuditLog>().QueryAsync(new AuditQuery(Kind: AuditKinds.SuppressionCreated), Ct));
        var told = stalled.EventLog.Appended(Topics.Feedback).Select(r => ContractJson.DeserializeFeedback(r.Value.Span)).Last(f => f.SuppressionId == stored.Id);
        Assert.Equal((stored.ExpiresAt, false), (told.ExpiresAt, told.Lifted));
    }

    /// <summary>The same key on another path is another request (the fingerprint holds method and path): 422, not the other's answer.</summary>
    [Fact]
    public async Task SameKey_OnAnotherEndpoint_Is422()
    {
        await using var host = await ResponderTestHost.WithAlertsAsync((await StoreAsync())().StartAsync(), TestAlerts.Critical("idem-x"));
        var responder = host.ClientFor(ResponderTestHost.ResponderToken);
        var body = new { text = "same bytes" };

        var first = await SendAsync(responder, "/v1/alerts/idem-x/comments", body);
        using var elsewhere = await responder.SendAsync(Post("/v1/alerts/idem-other/comments", body, Key), Ct);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        await HttpProblem.ReadAsync(elsewhere, HttpStatusCode.UnprocessableEntity);
    }
}

public sealed class SqliteIdempotencyKeyTests : IdempotencyKeyContractTests, IDisposable
{
    private readonly TempFolder folder = new("zt-idem-");

    private protected override Task<Func<ResponderTestHost>> StoreAsync() =>
        Task.FromResult<Func<ResponderTestHost>>(() => new ResponderTestHost(folder: folder.Path));

    public void Dispose() => folder.Dispose();
}

public sealed class PostgresIdempotencyKeyTests(PostgresFixture postgres) : IdempotencyKeyContractTests
{
    private protected override async Task<Func<ResponderTestHost>> StoreAsync()
    {
        var database = await postgres.CreateDatabaseAsync(Ct);
        return () => new ResponderTestHost().OnPostgres(database);
    }

    /// <summary>
    /// A first run of a comment's request stalled past its lease inside its transaction (held by a trigger as it writes the
    /// comment), and its retry, taken over on another Responder, at the same time: the retry's check for the request's
    /// comment is in the audit chain's exclusive transaction, so it waits for the first to commit and then answers the
    /// alert as it stands. One comment, both 201 with the same alert version, no 500. (On SQLite the database's one writer
    /// orders them the same way, and no trigger can hold a run inside its transaction there.)
    /// </summary>
    [Fact]
    public async Task Comment_FirstRunStalledPastTheLease_AndItsRetry_AnswerTheOneComment()
    {
        var database = await postgres.CreateDatabaseAsync(Ct);
        await using var stalled = await ResponderTestHost.WithAlertsAsync(new ResponderTestHost().OnPostgres(database).StartAsync(), TestAlerts.Critical("idem-race-c"));
        await using var retrying = await new ResponderTestHost().OnPostgres(database).StartAsync();
        await using var gate = new NpgsqlConnection(database);
        await gate.OpenAsync(Ct);
        await gate.ExecuteAsync("SELECT pg_advisory_lock(4242)");
        await stalled.ExecuteSqlAsync("""
            CREATE FUNCTION idem_stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NEW; END $$;
            CREATE TRIGGER idem_stall BEFORE INSERT ON responder_alert_history FOR EACH ROW WHEN (NEW.change = 'comment') EXECUTE FUNCTION idem_stall();
            """);
        var body = new { text = "checking with the shop team" };

        var first = SendAsync(stalled.ClientFor(ResponderTestHost.AnalystToken), "/v1/alerts/idem-race-c/comments", body);
        await WaitingAsync(gate, 1, "the first run, held as it writes its comment");
        retrying.Time.Advance(IdempotencyKeys.ClaimLease + TimeSpan.FromSeconds(1));
        var retry = SendAsync(retrying.ClientFor(ResponderTestHost.AnalystToken), "/v1/alerts/idem-race-c/comments", body);
        await WaitingAsync(gate, 2, "the retry, waiting for the first run's transaction");
        await gate.ExecuteAsync("SELECT pg_advisory_unlock(4242)");
        var answers = await Task.WhenAll(first, retry);

        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.Created, $"{a.Status}: {a.Body}"));
        var alert = await retrying.Get<AlertStore>().GetAsync("idem-race-c", Ct);
        Assert.All(answers, a => Assert.Equal(alert!.Version, JsonDocument.Parse(a.Body).RootElement.GetProperty("version").GetInt64()));
        Assert.Single(await retrying.Get<AlertStore>().HistoryAsync("idem-race-c", Ct), h => h.Change == "comment");
    }

    /// <summary>Until <paramref name="count"/> sessions wait for an advisory lock (the trigger's, the audit chain's).</summary>
    private static Task WaitingAsync(NpgsqlConnection gate, long count, string what) => Eventually.HoldsAsync(
        async () => await gate.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") >= count,
        what);
}
