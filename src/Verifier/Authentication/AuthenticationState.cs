using ZtStream.Verifier.Baselines;

namespace ZtStream.Verifier.Authentication;

/// <summary>
/// What the identity detectors remember about one principal, beside its <see cref="PrincipalState"/>: failed sign-ins and
/// refused second-factor prompts since the last success, the countries and devices it signed in from, and its recent
/// sessions. Allocated on the principal's first sign-in or session; fixed size (about 1.5 KB at most: 8 sessions with
/// their first address and user agent cut to <see cref="MaxText"/> characters, 8 countries, 16 device hashes).
/// </summary>
internal sealed class AuthenticationState
{
    public const int SessionCapacity = 8;
    public const int CountryCapacity = 8;
    public const int DeviceCapacity = 16;
    public const int AddressCapacity = 8;
    public const int MaxText = 96;
    public const int MaxReason = 240;

    // Failed sign-ins since the last successful one (failures dated before it are late arrivals of an earlier run).
    public long LastSignInTicks;
    public int Failures;
    public long FirstFailureTicks;
    public long LastFailureTicks;
    public string? LastFailureAddress;
    public readonly CappedSet FailureAddresses = new(AddressCapacity);

    // Refused (denied, unanswered) second-factor prompts since the last accepted one.
    public long LastMfaAcceptTicks;
    public int MfaDenied;
    public int MfaTimedOut;
    public long FirstRefusedTicks;
    public long LastRefusedTicks;
    public string? MfaFactor;

    // Successful sign-ins, and where from.
    public int SignIns;
    public readonly List<string> Countries = new(CountryCapacity);
    public readonly CappedSet Devices = new(DeviceCapacity);

    public readonly Session[] Sessions = new Session[SessionCapacity];

    public int MfaRefused => MfaDenied + MfaTimedOut;

    public void ResetFailures()
    {
        Failures = 0;
        FirstFailureTicks = 0;
        LastFailureTicks = 0;
        LastFailureAddress = null;
        FailureAddresses.Clear();
    }

    public void ResetMfa()
    {
        MfaDenied = 0;
        MfaTimedOut = 0;
        FirstRefusedTicks = 0;
        LastRefusedTicks = 0;
        MfaFactor = null;
    }

    /// <summary>Whether <paramref name="country"/> is among the known ones (case-insensitive: vendors spell codes either way).</summary>
    public bool KnowsCountry(string country)
    {
        foreach (var c in Countries)
        {
            if (string.Equals(c, country, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Remembers a country, most recent last; the least recently used goes when full.</summary>
    public void AddCountry(string country)
    {
        for (var i = 0; i < Countries.Count; i++)
        {
            if (string.Equals(Countries[i], country, StringComparison.OrdinalIgnoreCase))
            {
                Countries.RemoveAt(i);
                break;
            }
        }

        if (Countries.Count == CountryCapacity)
        {
            Countries.RemoveAt(0);
        }

        Countries.Add(Cut(country)!);
    }

    /// <summary>The session seen from <paramref name="source"/>, or -1.</summary>
    public int Find(ulong session, ulong source)
    {
        for (var i = 0; i < Sessions.Length; i++)
        {
            if (Sessions[i].Id == session && Sessions[i].Source == source)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A slot for a new session: a free one, else the least recently used.</summary>
    public int Slot()
    {
        var oldest = 0;
        for (var i = 0; i < Sessions.Length; i++)
        {
            if (Sessions[i].Id == 0)
            {
                return i;
            }

            if (Sessions[i].LastTicks < Sessions[oldest].LastTicks)
            {
                oldest = i;
            }
        }

        return oldest;
    }

    public static string? Cut(string? text) => text is { Length: > MaxText } ? text[..MaxText] : text;

    public void Write(BinaryWriter w)
    {
        w.Write(LastSignInTicks);
        w.Write(Failures);
        w.Write(FirstFailureTicks);
        w.Write(LastFailureTicks);
        WriteText(w, LastFailureAddress);
        FailureAddresses.Write(w);
        w.Write(LastMfaAcceptTicks);
        w.Write(MfaDenied);
        w.Write(MfaTimedOut);
        w.Write(FirstRefusedTicks);
        w.Write(LastRefusedTicks);
        WriteText(w, MfaFactor);
        w.Write(SignIns);
        w.Write(Countries.Count);
        foreach (var c in Countries)
        {
            w.Write(c);
        }

        Devices.Write(w);
        foreach (var s in Sessions)
        {
            s.Write(w);
        }
    }

    public static AuthenticationState Read(BinaryReader r)
    {
        var s = new AuthenticationState
        {
            LastSignInTicks = r.ReadInt64(),
            Failures = r.ReadInt32(),
            FirstFailureTicks = r.ReadInt64(),
            LastFailureTicks = r.ReadInt64(),
            LastFailureAddress = ReadText(r),
        };
        s.FailureAddresses.Read(r);
        s.LastMfaAcceptTicks = r.ReadInt64();
        s.MfaDenied = r.ReadInt32();
        s.MfaTimedOut = r.ReadInt32();
        s.FirstRefusedTicks = r.ReadInt64();
        s.LastRefusedTicks = r.ReadInt64();
        s.MfaFactor = ReadText(r);
        s.SignIns = r.ReadInt32();
        var countries = r.ReadInt32();
        for (var i = 0; i < countries; i++)
        {
            var c = r.ReadString();
            if (i < CountryCapacity)
            {
                s.Countries.Add(c);
            }
        }

        s.Devices.Read(r);
        for (var i = 0; i < SessionCapacity; i++)
        {
            s.Sessions[i] = Session.Read(r);
        }

        return s;
    }

    public static void WriteText(BinaryWriter w, string? text)
    {
        w.Write(text is not null);
        if (text is not null)
        {
            w.Write(text);
        }
    }

    public static string? ReadText(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    /// <summary>
    /// One session as one source saw it (the identity provider and each application see the same session id from their
    /// own vantage point, so each is compared with itself): where it was used from last, when it ended, and how risky the
    /// sign-in that started it was.
    /// </summary>
    internal struct Session
    {
        public ulong Id;
        public ulong Source;
        public ClientNetwork Network;
        public ulong Agent;
        public string? Address;
        public string? AgentText;
        public long FirstTicks;
        public long LastTicks;
        public long EndedTicks;
        public string? EndedBy;
        public int Risk;
        public long RiskTicks;
        public string? RiskReason;

        public readonly void Write(BinaryWriter w)
        {
            w.Write(Id);
            w.Write(Source);
            w.Write(Network.Prefix);
            w.Write(Network.Asn);
            w.Write(Agent);
            WriteText(w, Address);
            WriteText(w, AgentText);
            w.Write(FirstTicks);
            w.Write(LastTicks);
            w.Write(EndedTicks);
            WriteText(w, EndedBy);
            w.Write(Risk);
            w.Write(RiskTicks);
            WriteText(w, RiskReason);
        }

        public static Session Read(BinaryReader r) => new()
        {
            Id = r.ReadUInt64(),
            Source = r.ReadUInt64(),
            Network = new ClientNetwork(r.ReadUInt64(), r.ReadInt64()),
            Agent = r.ReadUInt64(),
            Address = ReadText(r),
            AgentText = ReadText(r),
            FirstTicks = r.ReadInt64(),
            LastTicks = r.ReadInt64(),
            EndedTicks = r.ReadInt64(),
            EndedBy = ReadText(r),
            Risk = r.ReadInt32(),
            RiskTicks = r.ReadInt64(),
            RiskReason = ReadText(r),
        };
    }
}
