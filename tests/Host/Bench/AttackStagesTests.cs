using ZtStream.Host.Bench;

namespace ZtStream.Host.Tests.Bench;

public sealed class AttackStagesTests
{
    private static readonly DateTimeOffset Sent = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Add_WholePath_StagesFollowEachOtherAndAddUpToTheTimeToEnforcement()
    {
        var stages = new AttackStages();
        var path = new EnforcementPath(new Raised(Sent.AddMilliseconds(40), Sent.AddMilliseconds(130)), Sent.AddMilliseconds(145), Sent.AddMilliseconds(160), Sent.AddMilliseconds(230));

        var attack = stages.Add(Sent, Sent.AddMilliseconds(90), path, Sent.AddMilliseconds(250));

        Assert.Equal(40, (double)attack["to_log"]!);
        Assert.Equal(90, (double)attack["in_log"]!);
        Assert.Equal(15, (double)attack["to_responder"]!);
        Assert.Equal(15, (double)attack["decision"]!);
        Assert.Equal(70, (double)attack["execution"]!);
        Assert.Equal(20, (double)attack["to_refusal"]!);
        Assert.Equal(250, new[] { "to_log", "in_log", "to_responder", "decision", "execution", "to_refusal" }.Sum(s => (double)attack[s]!));

        // The request's acknowledgement is beside the stages, not one of them.
        Assert.Equal(90, (double)attack["ack"]!);
    }

    [Fact]
    public void Add_AlertRaisedUnseenAndStagesOverlapping_CountsFromWhereThePreviousEnded_NeverBelowZero()
    {
        var stages = new AttackStages();

        // The Verifier's hook did not see the raising (an alert raised before the run's monitor): the wait up to the
        // stored alert is one stage. The action's clock read before the alert's: 0, and the next stage starts later.
        var attack = stages.Add(Sent, null, new EnforcementPath(null, Sent.AddMilliseconds(100), Sent.AddMilliseconds(95), Sent.AddMilliseconds(120)), Sent.AddMilliseconds(120));

        Assert.False(attack.ContainsKey("to_log"));
        Assert.False(attack.ContainsKey("ack"));
        Assert.Equal(100, (double)attack["to_responder"]!);
        Assert.Equal(0, (double)attack["decision"]!);
        Assert.Equal(20, (double)attack["execution"]!);
        Assert.Equal(0, (double)attack["to_refusal"]!);
    }

    [Fact]
    public void ToJson_SeveralAttacks_GivesEachStagesQuantilesOverTheAttacks()
    {
        var stages = new AttackStages();
        for (var i = 1; i <= 10; i++)
        {
            var done = Sent.AddMilliseconds(10 * i);
            stages.Add(Sent, Sent.AddMilliseconds(5), new EnforcementPath(null, Sent, Sent, done), done);
        }

        var json = stages.ToJson();

        Assert.Equal(10, (long)json["execution"]!["count"]!);
        Assert.Equal(50, (double)json["execution"]!["p50"]!);
        Assert.Equal(100, (double)json["execution"]!["p99"]!);
        Assert.Equal(0, (long)json["in_log"]!["count"]!);
        Assert.Null(json["in_log"]!["p99"]);
    }
}
