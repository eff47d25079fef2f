using static ZtStream.Verifier.Tests.Rules.Falco.FalcoOktaTestData;
using static ZtStream.Verifier.Tests.Rules.Falco.FalcoTestData;
using static ZtStream.TestSupport.Metamorphic.IdpDeliveryPaths;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// <c>okta.mfa.failure.countlast[s]</c> and <c>okta.mfa.deny.countlast[s]</c> as the okta plugin counts: per event type
/// and actor id, the events of the current event's type strictly within the last s seconds of it (itself included),
/// distinct times only, with the bounds on actors and times per actor.
/// </summary>
public sealed class FalcoOktaMfaCountTests
{
    private const string Failed = "user.authentication.auth_via_mfa";
    private const string Denied = "user.mfa.okta_verify.deny_push";

    private static string Failure(double seconds, string actor = "00u8f2kq1rTz5x0d7") =>
        Log(Failed, T0.AddSeconds(seconds), actorId: actor, result: "FAILURE", reason: "INVALID_CREDENTIALS");

    private static string Deny(double seconds, string actor = "00u8f2kq1rTz5x0d7") =>
        Log(Denied, T0.AddSeconds(seconds), actorId: actor, result: "FAILURE", reason: "User rejected Okta push verify");

    private static List<(string Rule, string Output)> RunFile(params string[] logs) => Run(Load(RulesFile(RulesOkta)).Rules, Events(OktaEventHook(logs)));

    [Fact]
    public void ThreeFailuresWithin300Seconds_FireTheShippedRules_OnTheThird()
    {
        var fired = RunFile(Failure(0), Failure(120), Failure(299.999));

        // The deny rule too: on a failed challenge, the plugin's okta.mfa.deny.countlast counts failed challenges.
        Assert.Equal(
            [
                ("Too many failed MFA in last 5min", "A user has failed MFA too many times in last 5min (user='Dana Ruiz' last_reason='INVALID_CREDENTIALS' countLast300=3)"),
                ("Too many denied MFA Pushes in last 5min", "A user has denied too many MFA pushes in last 5min (user='Dana Ruiz' reason='INVALID_CREDENTIALS' countLast300=3)"),
            ],
            fired);
    }

    [Fact]
    public void WindowEdge_AnEventExactlyThreeHundredSecondsEarlier_IsOutside()
    {
        // At 300 s the first failure (0 s) is not strictly after 300 − 300; at 310 s the second (10 s) is out too.
        Assert.Empty(RunFile(Failure(0), Failure(10), Failure(300), Failure(310)));
        Assert.Equal(2, RunFile(Failure(0), Failure(10), Failure(299.999)).Count);
    }

    [Fact]
    public void Counts_ArePerActorAndEventType_OnlyFailedMfaAndDeniedPushes_BothFieldsCountingTheCurrentType()
    {
        var fired = RunFile(
            Failure(0, "00uAAA"), Failure(1, "00uBBB"), Deny(2, "00uAAA"), Failure(3, "00uBBB"),
            Log(Failed, T0.AddSeconds(4), actorId: "00uAAA", result: "SUCCESS"),
            Failure(5, "00uAAA"), Deny(6, "00uAAA"), Deny(7, "00uAAA"), Failure(8, "00uBBB"));

        // A's third denied push and B's third failure: A's two failures and three denials never add up, the successful
        // challenge does not count, and, as in the plugin, each field on each event counts the event's own type.
        Assert.Equal(
            [
                ("Too many failed MFA in last 5min", "A user has failed MFA too many times in last 5min (user='Dana Ruiz' last_reason='User rejected Okta push verify' countLast300=3)"),
                ("Too many denied MFA Pushes in last 5min", "A user has denied too many MFA pushes in last 5min (user='Dana Ruiz' reason='User rejected Okta push verify' countLast300=3)"),
                ("Too many failed MFA in last 5min", "A user has failed MFA too many times in last 5min (user='Dana Ruiz' last_reason='INVALID_CREDENTIALS' countLast300=3)"),
                ("Too many denied MFA Pushes in last 5min", "A user has denied too many MFA pushes in last 5min (user='Dana Ruiz' reason='INVALID_CREDENTIALS' countLast300=3)"),
            ],
            fired);
    }

    [Fact]
    public void SameEventDeliveredTwice_CountsOnce()
    {
        var first = Failure(0);
        var second = Failure(20);

        Assert.Empty(RunFile(first, second, first, second));
        Assert.Equal(2, RunFile(first, second, first, Failure(40)).Count);
    }

    [Fact]
    public void CountOnAnEventThatIsNeither_IsNoValue_AndEveryEventIsCountedWhateverTheRulesLookAt()
    {
        // The counting happens for every Okta event, even when the only rule reading the field does not look at it first.
        var rules = LoadClean(
            Rule("okta.evt.type = user.account.lock", "%okta.mfa.failure.countlast[60] / %okta.mfa.deny.countlast[60]", "Lock") +
            Rule("okta.result = FAILURE and okta.mfa.failure.countlast[60] >= 2", "failures=%okta.mfa.failure.countlast[60] denies=%okta.mfa.deny.countlast[60]", "Failures"));

        var fired = Run(rules, Events(ApiList(Failure(0), Log("user.account.lock", T0.AddSeconds(1)), Failure(30), Failure(61))));

        Assert.Equal([("Lock", "<NA> / <NA>"), ("Failures", "failures=2 denies=2"), ("Failures", "failures=2 denies=2")], fired);
    }

    [Fact]
    public void TimesPerActor_AreCappedAtTheNewestMaxPerActor()
    {
        var counts = new FalcoOktaMfaCounts(maxActors: 4, maxPerActor: 3);
        long last = 0;
        for (var i = 0; i < 6; i++)
        {
            last = Count(counts, Failure(i), 3600);
        }

        Assert.Equal(3, last);
    }

    [Fact]
    public void Actors_AreCapped_TheLeastRecentlySeenForgotten()
    {
        var counts = new FalcoOktaMfaCounts(maxActors: 2);
        Count(counts, Failure(0, "00uA"), 3600);
        Count(counts, Failure(1, "00uB"), 3600);
        Count(counts, Failure(2, "00uA"), 3600);
        Count(counts, Failure(3, "00uC"), 3600);

        Assert.Equal(2, counts.Actors(FalcoOktaMfaKind.Failure));
        Assert.Equal(3, Count(counts, Failure(4, "00uA"), 3600));
        Assert.Equal(1, Count(counts, Failure(5, "00uB"), 3600));
        Assert.Equal(0, counts.Actors(FalcoOktaMfaKind.Deny));
    }

    [Fact]
    public void Actor_IsForgottenAnExpiryAfterItsLastEvent()
    {
        var counts = new FalcoOktaMfaCounts();
        var expiry = FalcoOktaMfaCounts.DefaultExpiry.TotalSeconds;
        Count(counts, Failure(0), 200_000);

        Assert.Equal(2, Count(counts, Failure(expiry), 200_000));
        Assert.Equal(1, Count(counts, Failure((2 * expiry) + 1), 200_000));
    }

    [Fact]
    public void LoadedRuleSet_KeepsAtMostTheDefaultNumberOfActors()
    {
        var rules = LoadClean(Rule("okta.mfa.failure.countlast[86400] >= 2", "%okta.actor.id", "Repeat"));
        var events = Enumerable.Range(0, FalcoOktaMfaCounts.DefaultMaxActors + 1).Select(i => Failure(i, $"00u{i:D6}")).ToArray();

        Assert.Empty(Run(rules, Events(ApiList(events))));
        Assert.Empty(Run(rules, Events(ApiList(Failure(20_000, "00u000000")))));
        Assert.Equal([("Repeat", "00u000002")], Run(rules, Events(ApiList(Failure(20_001, "00u000002")))));
    }

    [Fact]
    public void Checkpoint_RoundTrip_KeepsTheTimesPerActorTheRecencyOfActorsAndTheExpiry()
    {
        var counts = new FalcoOktaMfaCounts(maxActors: 2, maxPerActor: 3);
        for (var i = 0; i < 5; i++)
        {
            Count(counts, Failure(i, "00uA"), 3600);
        }

        Count(counts, Failure(5, "00uB"), 3600);
        Count(counts, Deny(6, "00uA"), 3600);

        var restored = Restore(counts, new FalcoOktaMfaCounts(maxActors: 2, maxPerActor: 3));

        Assert.Equal(2, restored.Actors(FalcoOktaMfaKind.Failure));
        Assert.Equal(1, restored.Actors(FalcoOktaMfaKind.Deny));

        // The newest three of A's five failures (2, 3, 4 s), the window still applying to them.
        Assert.Equal(3, Peek(restored, Failure(4, "00uA"), 3600));
        Assert.Equal(2, Peek(restored, Failure(4, "00uA"), 2));

        // The denied push expires an expiry after it, as it would have without the checkpoint.
        var expiry = FalcoOktaMfaCounts.DefaultExpiry.TotalSeconds;
        Assert.Equal(1, Peek(Restore(counts, new FalcoOktaMfaCounts()), Deny(6 + expiry, "00uA"), 200_000));
        Assert.Equal(0, Peek(Restore(counts, new FalcoOktaMfaCounts()), Deny(6 + expiry + 1, "00uA"), 200_000));

        // A was seen less recently than B: a new actor evicts A, not B.
        Count(restored, Failure(10, "00uC"), 3600);
        Assert.Equal(0, Peek(restored, Failure(11, "00uA"), 3600));
        Assert.Equal(1, Peek(restored, Failure(11, "00uB"), 3600));
    }

    [Fact]
    public void Checkpoint_ReadUnderSmallerBounds_KeepsTheMostRecentActorsAndTheNewestTimes()
    {
        var counts = new FalcoOktaMfaCounts();
        for (var i = 0; i < 4; i++)
        {
            Count(counts, Failure(i, "00uA"), 3600);
        }

        Count(counts, Failure(4, "00uB"), 3600);
        Count(counts, Failure(5, "00uC"), 3600);
        Count(counts, Failure(6, "00uA"), 3600);

        var restored = Restore(counts, new FalcoOktaMfaCounts(maxActors: 2, maxPerActor: 2));

        Assert.Equal(2, restored.Actors(FalcoOktaMfaKind.Failure));
        Assert.Equal(2, Peek(restored, Failure(6, "00uA"), 3600));
        Assert.Equal(1, Peek(restored, Failure(6, "00uA"), 1));
        Assert.Equal(1, Peek(restored, Failure(6, "00uC"), 3600));
        Assert.Equal(0, Peek(restored, Failure(6, "00uB"), 3600));
    }

    [Fact]
    public void Checkpoint_MalformedSection_IsInvalidData_TruncatedIsEndOfStream()
    {
        var counts = new FalcoOktaMfaCounts();
        Count(counts, Deny(0), 3600);
        var bytes = WrittenBytes.Of(counts.Write);

        Assert.Throws<EndOfStreamException>(() => Read(new FalcoOktaMfaCounts(), bytes[..^4]));

        // Three kinds where there are two; then the first kind's actor count negative.
        var kinds = (byte[])bytes.Clone();
        kinds[0] = 3;
        Assert.Throws<InvalidDataException>(() => Read(new FalcoOktaMfaCounts(), kinds));
        var actors = (byte[])bytes.Clone();
        actors[7] = 0x80;
        Assert.Throws<InvalidDataException>(() => Read(new FalcoOktaMfaCounts(), actors));
    }

    [Fact]
    public void RulesReload_KeepsTheCounts_ThePushBeforeTheReloadCounting()
    {
        const string Edited = "okta.evt.type = user.mfa.okta_verify.deny_push and okta.mfa.deny.countlast[300] > 2";
        var holder = new RuleSetHolder(new RuleSet(LoadClean(Rule("okta.mfa.deny.countlast[300] > 2", "%okta.mfa.deny.countlast[300]", "Fatigue"))));
        var detector = new RuleDetector(holder);

        Assert.Empty(Evaluate(detector, Deny(0)));
        Assert.Empty(Evaluate(detector, Deny(60)));

        // The rules folder changed: a new rule set, its rule edited, in force from the next event.
        holder.Swap(new RuleSet(LoadClean(Rule(Edited, "pushes=%okta.mfa.deny.countlast[300]", "Fatigue")), version: 1));
        var fired = Assert.Single(Evaluate(detector, Deny(120)));
        Assert.StartsWith("Fatigue: pushes=3 (rule ", fired.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void EngineCheckpoint_CarriesTheCounts_AndOneWrittenBeforeThem_LoadsWithNone()
    {
        var holder = new RuleSetHolder(new RuleSet(Load(RulesFile(RulesOkta)).Rules));
        var options = new VerifierOptions { ModelEnabled = false };
        var engine = new ScoringEngine(options, rules: holder);
        Assert.Empty(Evaluate(engine.Rules, Deny(0, "00uF")));
        Assert.Empty(Evaluate(engine.Rules, Deny(30, "00uF")));

        var restarted = new ScoringEngine(options, rules: holder);
        restarted.Restore(engine.Checkpoint());
        Assert.Contains(Evaluate(restarted.Rules, Deny(60, "00uF")), c => c.Rule == "Too many denied MFA Pushes in last 5min");

        // Format 5, written before the counts were: it loads, and leaves none.
        restarted.Restore(CheckpointFormats.AsFormat(new ScoringEngine(options, rules: holder).Checkpoint(), 5));
        Assert.Equal(0, restarted.Rules.OktaMfa.Actors(FalcoOktaMfaKind.Deny));
        Assert.Empty(Evaluate(restarted.Rules, Deny(60, "00uF")));
    }

    private static List<Contribution> Evaluate(RuleDetector detector, string log)
    {
        var output = new List<Contribution>();
        detector.Evaluate(Event(log).Event, output);
        return output;
    }

    private static void Read(FalcoOktaMfaCounts counts, byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        counts.Read(r);
    }

    private static FalcoOktaMfaCounts Restore(FalcoOktaMfaCounts from, FalcoOktaMfaCounts into)
    {
        Read(into, WrittenBytes.Of(from.Write));
        return into;
    }

    /// <summary>The count on <paramref name="log"/> without recording it.</summary>
    private static long Peek(FalcoOktaMfaCounts counts, string log, long seconds)
    {
        var e = Event(log);
        Assert.True(counts.TryCount(new FalcoEvent(e.Raw!.Value, e.Event.Time, oktaMfa: counts), seconds, out var count));
        return count;
    }

    private static long Count(FalcoOktaMfaCounts counts, string log, long seconds)
    {
        var e = Event(log);
        var evt = new FalcoEvent(e.Raw!.Value, e.Event.Time, oktaMfa: counts);
        counts.Observe(evt, recordedSlot: 0);
        Assert.True(counts.TryCount(evt, seconds, out var count));
        return count;
    }
}
