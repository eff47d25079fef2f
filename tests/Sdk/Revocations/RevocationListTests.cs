using ZtStream.TestSupport.Faults;

namespace ZtStream.Sdk.Tests.Revocations;

public sealed class RevocationListTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-01-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private readonly FakeTimeProvider _time = new(Now);

    private static Revocation Entry(long version, string? jti = null, string? sid = null, string? sub = null, DateTimeOffset? notBefore = null, DateTimeOffset? expiresAt = null) =>
        new() { Version = version, Jti = jti, SessionId = sid, SubjectId = sub, NotBefore = notBefore, RevokedAt = Now, ExpiresAt = expiresAt };

    [Fact]
    public void Match_TokenSessionOrSubject_FindsEach()
    {
        var list = new RevocationList(_time);
        list.Load(new RevocationSnapshot { Version = 3, Revocations = [Entry(1, jti: "j1"), Entry(2, sid: "s1"), Entry(3, sub: "alice", notBefore: Now)] });

        Assert.Equal(RevocationMatch.Token, list.Match("j1", null, "bob", Now));
        Assert.Equal(RevocationMatch.Session, list.Match("j2", "s1", "bob", Now));
        Assert.Equal(RevocationMatch.Subject, list.Match("j2", "s2", "alice", Now.AddMinutes(-1)));
        Assert.Equal(RevocationMatch.None, list.Match("j2", "s2", "alice", Now.AddSeconds(1)));
        Assert.Equal(RevocationMatch.None, list.Match("j2", "s2", "bob", Now));
        Assert.Equal(3, list.Version);
    }

    [Fact]
    public void Match_SubjectEntryAndTokenWithoutIssueTime_CountsAsRevoked()
    {
        var list = new RevocationList(_time);
        list.Apply(Entry(1, sub: "alice", notBefore: Now));

        Assert.Equal(RevocationMatch.Subject, list.Match(null, null, "alice", issuedAt: null));
    }

    [Fact]
    public void Apply_LaterSubjectCutOff_Wins()
    {
        var list = new RevocationList(_time);
        list.Apply(Entry(1, sub: "alice", notBefore: Now.AddHours(-2)));
        list.Apply(Entry(2, sub: "alice", notBefore: Now));
        list.Apply(Entry(3, sub: "alice", notBefore: Now.AddHours(-1)));

        Assert.Equal(RevocationMatch.Subject, list.Match(null, null, "alice", Now.AddMinutes(-30)));
        Assert.Equal(3, list.Version);
    }

    [Fact]
    public void Match_ExpiredEntry_IsIgnored()
    {
        var list = new RevocationList(_time);
        list.Apply(Entry(1, jti: "j1", expiresAt: Now.AddMinutes(5)));
        Assert.Equal(RevocationMatch.Token, list.Match("j1", null, null, null));

        _time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(RevocationMatch.None, list.Match("j1", null, null, null));
    }

    [Fact]
    public void Load_Snapshot_ReplacesEarlierEntries()
    {
        var list = new RevocationList(_time);
        list.Apply(Entry(1, jti: "old"));
        list.Load(new RevocationSnapshot { Version = 7, Revocations = [Entry(7, jti: "new")] });

        Assert.Equal(RevocationMatch.None, list.Match("old", null, null, null));
        Assert.Equal(RevocationMatch.Token, list.Match("new", null, null, null));
    }

    [Fact]
    public void IsCurrent_FollowsLoadConnectionAndStaleness()
    {
        var list = new RevocationList(_time);
        var staleAfter = TimeSpan.FromSeconds(30);
        Assert.False(list.IsCurrent(staleAfter));

        list.Load(new RevocationSnapshot { Version = 0, Revocations = [] });
        list.MarkConnected();
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(list.IsCurrent(staleAfter));

        list.MarkDisconnected();
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(list.IsCurrent(staleAfter));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(list.IsCurrent(staleAfter));
    }

    [Fact]
    public void IsCurrent_FailedAttemptsWithoutAConnection_DoNotPostponeStaleness()
    {
        var list = new RevocationList(_time);
        var staleAfter = TimeSpan.FromSeconds(30);
        list.Load(new RevocationSnapshot { Version = 0, Revocations = [] });
        list.MarkConnected();
        list.MarkDisconnected();

        // Reconnect attempts every 20 s, each failing before the stream connects (refused, or an oversized snapshot).
        _time.Advance(TimeSpan.FromSeconds(20));
        list.MarkDisconnected();
        Assert.True(list.IsCurrent(staleAfter));
        _time.Advance(TimeSpan.FromSeconds(20));
        list.MarkDisconnected();

        Assert.False(list.IsCurrent(staleAfter));
    }

    private static RevocationLift Lift(long version, long lifts, string? jti = null, string? sid = null, string? sub = null) =>
        new() { Version = version, Lifts = lifts, Jti = jti, SessionId = sid, SubjectId = sub, LiftedAt = Now };

    [Fact]
    public void ApplyLift_DropsThatEntryOnly_AndAdvancesTheVersion()
    {
        var list = new RevocationList(_time);
        list.Load(new RevocationSnapshot { Version = 3, Revocations = [Entry(1, jti: "j1"), Entry(2, sid: "s1"), Entry(3, jti: "j3")] });

        list.Apply(Lift(4, 1, jti: "j1"));
        list.Apply(Lift(5, 2, sid: "s1"));

        Assert.Equal(RevocationMatch.None, list.Match("j1", null, null, null));
        Assert.Equal(RevocationMatch.None, list.Match(null, "s1", null, null));
        Assert.Equal(RevocationMatch.Token, list.Match("j3", null, null, null));
        Assert.Equal(5, list.Version);
        Assert.Equal(1, list.Count);
    }

    [Fact]
    public void ApplyLift_OfAnOlderEntryForTheSameToken_KeepsTheNewerOne()
    {
        var list = new RevocationList(_time);
        list.Apply(Entry(1, jti: "j1"));
        list.Apply(Entry(2, jti: "j1"));

        list.Apply(Lift(3, 1, jti: "j1"));

        Assert.Equal(RevocationMatch.Token, list.Match("j1", null, null, null));
    }

    [Fact]
    public void ApplyLift_OfOneSubjectEntry_AnEarlierCutOffStillApplies()
    {
        var list = new RevocationList(_time);
        list.Apply(Entry(1, sub: "alice", notBefore: Now.AddHours(-1)));
        list.Apply(Entry(2, sub: "alice", notBefore: Now));

        list.Apply(Lift(3, 2, sub: "alice"));

        Assert.Equal(RevocationMatch.None, list.Match(null, null, "alice", Now.AddMinutes(-30)));
        Assert.Equal(RevocationMatch.Subject, list.Match(null, null, "alice", Now.AddHours(-2)));
        list.Apply(Lift(4, 1, sub: "alice"));
        Assert.Equal(RevocationMatch.None, list.Match(null, null, "alice", Now.AddHours(-2)));
        Assert.Equal(0, list.Count);
    }

    [Fact]
    public void ExpiredEntries_LeaveTheListWithinAMinute_EvenWithoutNewEntries()
    {
        var list = new RevocationList(_time);
        list.Load(new RevocationSnapshot
        {
            Version = 3,
            Revocations = [Entry(1, jti: "j1", expiresAt: Now.AddMinutes(5)), Entry(2, sub: "bob", notBefore: Now, expiresAt: Now.AddMinutes(5)), Entry(3, jti: "j3")],
        });
        Assert.Equal(3, list.Count);

        _time.Advance(TimeSpan.FromMinutes(6));
        list.Match("anything", null, null, null);

        Assert.Equal(1, list.Count);
        Assert.Equal(RevocationMatch.Token, list.Match("j3", null, null, null));
    }

    /// <summary>
    /// The minute between prunes is measured on the monotonic clock: after the wall clock stepped back an hour, an entry
    /// that expired by the wall clock still leaves memory within a minute, not after the hour.
    /// </summary>
    [Fact]
    public void ExpiredEntries_AfterTheWallClockSteppedBack_LeaveTheListWithinAMinute()
    {
        var time = new SteppedFakeClock(Now);
        var list = new RevocationList(time);
        time.Offset = TimeSpan.FromHours(-1);
        var stepped = time.GetUtcNow();
        list.Load(new RevocationSnapshot { Version = 2, Revocations = [Entry(1, jti: "j1", expiresAt: stepped.AddMinutes(5)), Entry(2, jti: "j2")] });

        time.Advance(TimeSpan.FromMinutes(6));
        list.Match("anything", null, null, null);

        Assert.Equal(1, list.Count);
        Assert.Equal(RevocationMatch.None, list.Match("j1", null, null, null));
        Assert.Equal(RevocationMatch.Token, list.Match("j2", null, null, null));
    }

    /// <summary>
    /// A feed, or whoever can add to it, could grow the list without end. At MaxEntries in force one more is refused:
    /// the entries held stay enforced, and the list stops being current (it knows of a revocation it does not enforce),
    /// so FailClosed decides, until a snapshot that fits is loaded.
    /// </summary>
    [Fact]
    public void Apply_PastMaxEntries_IsRefused_TheEntriesHeldStayEnforced_AndTheListIsNotCurrent()
    {
        var list = new RevocationList(_time, maxEntries: 2);
        list.Load(new RevocationSnapshot { Version = 1, Revocations = [Entry(1, jti: "j1")] });
        list.MarkConnected();
        list.Apply(Entry(2, sub: "alice", notBefore: Now));

        var ex = Assert.Throws<FeedLimitExceededException>(() => list.Apply(Entry(3, sid: "s3")));

        Assert.True(ex.ListFull);
        Assert.Contains("ZtStream:Revocations:MaxEntries (2)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(RevocationMatch.Token, list.Match("j1", null, null, null));
        Assert.Equal(RevocationMatch.Subject, list.Match(null, null, "alice", Now.AddMinutes(-1)));
        Assert.Equal(RevocationMatch.None, list.Match(null, "s3", null, null));
        Assert.Equal(2, list.Version);
        Assert.False(list.IsCurrent(TimeSpan.FromHours(1)));

        list.Load(new RevocationSnapshot { Version = 3, Revocations = [Entry(1, jti: "j1"), Entry(3, sid: "s3")] });
        Assert.True(list.IsCurrent(TimeSpan.FromHours(1)));
        Assert.Equal(RevocationMatch.Session, list.Match(null, "s3", null, null));
    }

    /// <summary>Entries that replace one held, and expired ones, do not count against MaxEntries: expiry makes room first.</summary>
    [Fact]
    public void Apply_AtMaxEntries_ReplacementsAndExpiredEntriesMakeNoOverflow()
    {
        var list = new RevocationList(_time, maxEntries: 2);
        list.Apply(Entry(1, jti: "j1", expiresAt: Now.AddMinutes(5)));
        list.Apply(Entry(2, jti: "j2"));
        list.Apply(Entry(3, jti: "j2"));

        _time.Advance(TimeSpan.FromSeconds(301));
        list.Apply(Entry(4, jti: "j4"));

        Assert.Equal(2, list.Count);
        Assert.Equal(RevocationMatch.Token, list.Match("j4", null, null, null));
        Assert.False(list.Full);
    }

    [Fact]
    public void Load_MoreEntriesInForceThanMaxEntries_IsRefused_TheListHeldIsKept()
    {
        var list = new RevocationList(_time, maxEntries: 2);
        list.Load(new RevocationSnapshot { Version = 1, Revocations = [Entry(1, jti: "j1")] });

        var ex = Assert.Throws<FeedLimitExceededException>(() => list.Load(new RevocationSnapshot
        {
            Version = 5,
            Revocations = [Entry(2, jti: "j2", expiresAt: Now.AddMinutes(-1)), Entry(3, jti: "j3"), Entry(4, jti: "j4"), Entry(5, jti: "j5")],
        }));

        Assert.True(ex.ListFull);
        Assert.Equal(1, list.Version);
        Assert.Equal(RevocationMatch.Token, list.Match("j1", null, null, null));
        Assert.Equal(RevocationMatch.None, list.Match("j3", null, null, null));
        Assert.False(list.IsCurrent(TimeSpan.FromHours(1)));
    }

    /// <summary>
    /// A feed sending many subject-wide entries for one subject: each add copied every entry before it (some 1.6 GB
    /// allocated for 20,000, and a check walking all of them); now an add costs about the same whatever came before.
    /// </summary>
    [Fact]
    public void Apply_ManyEntriesForOneSubject_DoesNotCopyThoseBefore()
    {
        var list = new RevocationList(_time);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var v = 1; v <= 20_000; v++)
        {
            list.Apply(Entry(v, sub: "alice", notBefore: Now.AddSeconds(-v)));
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 100L * 1024 * 1024, $"{allocated / (1024 * 1024)} MiB allocated");
        Assert.Equal(20_000, list.Count);
        Assert.Equal(RevocationMatch.Subject, list.Match(null, null, "alice", Now.AddSeconds(-2)));
        Assert.Equal(RevocationMatch.None, list.Match(null, null, "alice", Now.AddSeconds(-1)));

        list.Apply(Lift(20_001, 1, sub: "alice"));
        Assert.Equal(RevocationMatch.None, list.Match(null, null, "alice", Now.AddSeconds(-2)));
        Assert.Equal(RevocationMatch.Subject, list.Match(null, null, "alice", Now.AddSeconds(-3)));
    }

    /// <summary>The entry's reason is not held: a feed cannot fill memory with text no check reads.</summary>
    [Fact]
    public void Apply_EntryWithAReason_DoesNotHoldTheReason()
    {
        var list = new RevocationList(_time);
        var reason = ApplyWithReason(list);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.Equal(RevocationMatch.Token, list.Match("j1", null, null, null));
        Assert.False(reason.IsAlive);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference ApplyWithReason(RevocationList list)
    {
        var reason = new string('x', 60_000);
        list.Apply(Entry(1, jti: "j1") with { Reason = reason, ActionId = "a1" });
        return new WeakReference(reason);
    }
}
