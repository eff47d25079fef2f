namespace ZtStream.Verifier.Tests.Baselines;

public sealed class PrincipalStateTests
{
    [Fact]
    public void WriteRead_EveryFieldSurvivesTheCheckpoint()
    {
        var state = new PrincipalState { FirstSeenTicks = 100, LastSeenTicks = 900, Events = 42, WindowStartTicks = 800, WindowCount = 7, WindowDenied = 2, WindowBytes = 1234, WindowAlerted = true, RateMax = 9.5, BreadthMax = 3, DeniedMax = 1, WindowBytesMax = 4096 };
        state.Resources.Add(1);
        state.DataClasses.Add(2);
        state.Workloads.Add(3);
        state.Ips.Add(4);
        state.Agents.Add(5);
        state.WindowResources.Add(6);
        state.RememberToken(77, 3);
        state.Revoke(88, 850);
        state.HourCounts[13] = 5;
        state.LogBytes.Add(10, 500, 1e12);
        state.RawBytes.Add(20_000, 500, 1e12);
        state.RateMean.Add(4, 500, 1e12);

        var copy = RoundTrip(state);

        Assert.Equal(Bytes(state), Bytes(copy));
        Assert.Equal(42, copy.Events);
        Assert.True(copy.Resources.Contains(1) && copy.WindowResources.Contains(6));
        Assert.Equal(3UL, copy.TokenWorkload(copy.TokenWorkloadIndex(77)));
        Assert.Equal(850, copy.RevokedTicks(88));
        Assert.Equal(5, copy.HourCounts[13]);
        Assert.Equal(state.RawBytes.Mean, copy.RawBytes.Mean);
    }

    [Fact]
    public void RememberToken_BeyondCapacity_ForgetsTheOldest()
    {
        var state = new PrincipalState();
        for (ulong jti = 1; jti <= PrincipalState.TokenCapacity + 1; jti++)
        {
            state.RememberToken(jti, jti * 10);
        }

        Assert.Equal(-1, state.TokenWorkloadIndex(1));
        Assert.Equal(20UL, state.TokenWorkload(state.TokenWorkloadIndex(2)));
        Assert.Equal((PrincipalState.TokenCapacity + 1) * 10UL, state.TokenWorkload(state.TokenWorkloadIndex(PrincipalState.TokenCapacity + 1)));
    }

    [Fact]
    public void RevokedTicks_UnknownToken_IsZero_AndOnlyTheLastEightAreKept()
    {
        var state = new PrincipalState();
        for (ulong jti = 1; jti <= 9; jti++)
        {
            state.Revoke(jti, (long)jti * 100);
        }

        Assert.Equal(0, state.RevokedTicks(1));
        Assert.Equal(200, state.RevokedTicks(2));
        Assert.Equal(900, state.RevokedTicks(9));
        Assert.Equal(0, state.RevokedTicks(1234));
    }

    [Fact]
    public void Write_StateThatGrewWithUse_HasTheFixedCheckpointLayout()
    {
        // Storage grows with use, the checkpoint does not change shape: an empty state and one with a token and a
        // revocation write the same number of bytes (every token and revocation slot is written), so checkpoints
        // written before and after read the same way.
        var empty = Bytes(new PrincipalState());
        var used = new PrincipalState();
        used.RememberToken(5, 6);
        used.Revoke(7, 8);

        Assert.Equal(empty.Length, Bytes(used).Length);
        Assert.Equal(empty, Bytes(RoundTrip(new PrincipalState())));
        Assert.Equal(Bytes(used), Bytes(RoundTrip(used)));
    }

    [Fact]
    public void TokenWorkloadIndex_NoTokenRemembered_IsMinusOne()
    {
        var state = new PrincipalState();

        Assert.Equal(-1, state.TokenWorkloadIndex(42));
        Assert.Equal(0, state.RevokedTicks(42));
    }

    private static byte[] Bytes(PrincipalState state) => WrittenBytes.Of(state.Write);

    private static PrincipalState RoundTrip(PrincipalState state)
    {
        using var reader = WrittenBytes.Reader(state.Write);
        return PrincipalState.Read(reader);
    }
}
