namespace ZtStream.Verifier.Baselines;

/// <summary>
/// Everything the Verifier remembers about one principal. Fixed size: about 5.6 KB whatever the traffic
/// (capacities below; see docs/detection.md "Memory").
/// </summary>
internal sealed class PrincipalState
{
    public const int ResourceCapacity = 256;
    public const int DataClassCapacity = 32;
    public const int WorkloadCapacity = 64;
    public const int IpCapacity = 64;
    public const int AgentCapacity = 16;
    public const int TokenCapacity = 32;
    public const int WindowResourceCapacity = 128;

    public long FirstSeenTicks;
    public long LastSeenTicks;
    public long Events;

    public readonly CappedSet Resources = new(ResourceCapacity);
    public readonly CappedSet DataClasses = new(DataClassCapacity);
    public readonly CappedSet Workloads = new(WorkloadCapacity);
    public readonly CappedSet Ips = new(IpCapacity);
    public readonly CappedSet Agents = new(AgentCapacity);

    /// <summary>Token (jti hash) → the first workload hash it was used from, as a ring.</summary>
    public readonly ulong[] TokenIds = new ulong[TokenCapacity];
    public readonly ulong[] TokenWorkloads = new ulong[TokenCapacity];
    public int TokenNext;

    /// <summary>Tokens whose session logged out (jti hash) and when.</summary>
    public readonly ulong[] RevokedIds = new ulong[8];
    public readonly long[] RevokedAt = new long[8];
    public int RevokedNext;

    public readonly int[] HourCounts = new int[24];

    /// <summary>Log of bytes per read, and raw bytes per read.</summary>
    public DecayedStats LogBytes;
    public DecayedStats RawBytes;

    // The current event-time window.
    public long WindowStartTicks;
    public int WindowCount;
    public int WindowDenied;
    public long WindowBytes;
    public bool WindowAlerted;
    public readonly CappedSet WindowResources = new(WindowResourceCapacity);

    // The busiest windows seen (slowly decaying maxima) and the mean of active windows.
    public double RateMax;
    public double BreadthMax;
    public double DeniedMax;
    public double WindowBytesMax;
    public DecayedStats RateMean;

    /// <summary>Sign-ins and sessions (the identity detectors); null until the principal signs in or uses a session.</summary>
    /// <remarks>Checkpointed by the engine in a section of its own, so the layout above stays as older checkpoints wrote it.</remarks>
    public Authentication.AuthenticationState? Authentication;

    public int TokenWorkloadIndex(ulong jti)
    {
        var i = TokenIds.AsSpan().IndexOf(jti);
        return i;
    }

    public void RememberToken(ulong jti, ulong workload)
    {
        TokenIds[TokenNext] = jti;
        TokenWorkloads[TokenNext] = workload;
        TokenNext = (TokenNext + 1) % TokenCapacity;
    }

    public void Revoke(ulong jti, long ticks)
    {
        RevokedIds[RevokedNext] = jti;
        RevokedAt[RevokedNext] = ticks;
        RevokedNext = (RevokedNext + 1) % RevokedIds.Length;
    }

    public long RevokedTicks(ulong jti)
    {
        var i = RevokedIds.AsSpan().IndexOf(jti);
        return i < 0 ? 0 : RevokedAt[i];
    }

    public void Write(BinaryWriter w)
    {
        w.Write(FirstSeenTicks);
        w.Write(LastSeenTicks);
        w.Write(Events);
        Resources.Write(w);
        DataClasses.Write(w);
        Workloads.Write(w);
        Ips.Write(w);
        Agents.Write(w);
        for (var i = 0; i < TokenCapacity; i++)
        {
            w.Write(TokenIds[i]);
            w.Write(TokenWorkloads[i]);
        }

        w.Write(TokenNext);
        for (var i = 0; i < RevokedIds.Length; i++)
        {
            w.Write(RevokedIds[i]);
            w.Write(RevokedAt[i]);
        }

        w.Write(RevokedNext);
        foreach (var h in HourCounts)
        {
            w.Write(h);
        }

        LogBytes.Write(w);
        RawBytes.Write(w);
        w.Write(WindowStartTicks);
        w.Write(WindowCount);
        w.Write(WindowDenied);
        w.Write(WindowBytes);
        w.Write(WindowAlerted);
        WindowResources.Write(w);
        w.Write(RateMax);
        w.Write(BreadthMax);
        w.Write(DeniedMax);
        w.Write(WindowBytesMax);
        RateMean.Write(w);
    }

    public static PrincipalState Read(BinaryReader r)
    {
        var s = new PrincipalState
        {
            FirstSeenTicks = r.ReadInt64(),
            LastSeenTicks = r.ReadInt64(),
            Events = r.ReadInt64(),
        };
        s.Resources.Read(r);
        s.DataClasses.Read(r);
        s.Workloads.Read(r);
        s.Ips.Read(r);
        s.Agents.Read(r);
        for (var i = 0; i < TokenCapacity; i++)
        {
            s.TokenIds[i] = r.ReadUInt64();
            s.TokenWorkloads[i] = r.ReadUInt64();
        }

        s.TokenNext = r.ReadInt32();
        for (var i = 0; i < s.RevokedIds.Length; i++)
        {
            s.RevokedIds[i] = r.ReadUInt64();
            s.RevokedAt[i] = r.ReadInt64();
        }

        s.RevokedNext = r.ReadInt32();
        for (var i = 0; i < 24; i++)
        {
            s.HourCounts[i] = r.ReadInt32();
        }

        s.LogBytes = DecayedStats.Read(r);
        s.RawBytes = DecayedStats.Read(r);
        s.WindowStartTicks = r.ReadInt64();
        s.WindowCount = r.ReadInt32();
        s.WindowDenied = r.ReadInt32();
        s.WindowBytes = r.ReadInt64();
        s.WindowAlerted = r.ReadBoolean();
        s.WindowResources.Read(r);
        s.RateMax = r.ReadDouble();
        s.BreadthMax = r.ReadDouble();
        s.DeniedMax = r.ReadDouble();
        s.WindowBytesMax = r.ReadDouble();
        s.RateMean = DecayedStats.Read(r);
        return s;
    }
}
