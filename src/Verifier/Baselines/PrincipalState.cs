namespace ZtStream.Verifier.Baselines;

/// <summary>
/// Everything the Verifier remembers about one principal. Bounded: the sets and rings grow with use up to the
/// capacities below (about 5.6 KB when every one is full); a typical principal holds far less (docs/detection.md "Memory").
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

    /// <summary>Token (jti hash) → the first workload hash it was used from.</summary>
    private HashRing tokens = new(TokenCapacity);

    /// <summary>Tokens whose session logged out (jti hash) and when (ticks).</summary>
    private const int RevokedCapacity = 8;
    private HashRing revoked = new(RevokedCapacity);

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

    public int TokenWorkloadIndex(ulong jti) => tokens.IndexOf(jti);

    /// <summary>The workload the token at <paramref name="index"/> (from <see cref="TokenWorkloadIndex"/>) was bound to.</summary>
    public ulong TokenWorkload(int index) => tokens.ValueAt(index);

    public void RememberToken(ulong jti, ulong workload) => tokens.Add(jti, workload);

    public void Revoke(ulong jti, long ticks) => revoked.Add(jti, (ulong)ticks);

    public long RevokedTicks(ulong jti)
    {
        var i = revoked.IndexOf(jti);
        return i < 0 ? 0 : (long)revoked.ValueAt(i);
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
        tokens.Write(w);
        revoked.Write(w);
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

    // Sections that may follow the baseline in a parked state. A state parked before they existed ends with the
    // baseline, and still loads (issue 11: the sign-in history used to be dropped on eviction).
    // Sections 1 and 2 are the identity detector's state in its earlier layouts (without ratings; without the revocation
    // time and sign-in links): a section's number is its layout (AuthenticationState.Layout*).
    private const byte ParkedAuthentication = ZtStream.Verifier.Authentication.AuthenticationState.LayoutHistory;

    /// <summary>
    /// The state as it is parked in the store when its principal is evicted: the baseline, then the identity detector's
    /// sign-in state when there is one, so a returning principal keeps its failures, sessions, countries and devices.
    /// </summary>
    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            Write(w);
            if (Authentication is { } authentication)
            {
                w.Write(ParkedAuthentication);
                authentication.Write(w);
            }
        }

        return ms.ToArray();
    }

    /// <summary>Reads a parked state, whichever version parked it.</summary>
    public static PrincipalState FromBytes(byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        var s = Read(r);
        while (r.BaseStream.Position < r.BaseStream.Length)
        {
            var section = r.ReadByte();
            s.Authentication = section is >= ZtStream.Verifier.Authentication.AuthenticationState.LayoutSessions and <= ParkedAuthentication
                ? ZtStream.Verifier.Authentication.AuthenticationState.Read(r, section)
                : throw new InvalidDataException($"parked principal state has an unknown section {section}: written by a newer version");
        }

        return s;
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
        s.tokens.Read(r);
        s.revoked.Read(r);
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
