using ZtStream.Verifier.Baselines;

namespace ZtStream.Verifier.Authentication;

/// <summary>
/// What the identity detectors remember about one principal, beside its <see cref="PrincipalState"/>: failed sign-ins and
/// refused second-factor prompts since the last success, the countries and devices it signed in from, and its recent
/// sessions, and the provider's ratings of the principal as a whole. Allocated on the principal's first sign-in or session;
/// fixed size (about 2.5 KB at most: 8 sessions with their first address and user agent cut to <see cref="MaxText"/>
/// characters, 8 countries, 16 device hashes, 4 ratings with their reasons).
/// </summary>
internal sealed class AuthenticationState
{
    public const int SessionCapacity = 8;
    public const int CountryCapacity = 8;
    public const int DeviceCapacity = 16;
    public const int AddressCapacity = 8;
    public const int MaxText = 96;
    public const int MaxReason = 240;
    public const int RatingCapacity = 4;

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

    // The provider's ratings of the principal, not of one sign-in (Entra ID Protection's detections and risky-user state),
    // each until a later record clears it; and the newest record that cleared every rating (a risky user dismissed,
    // remediated or back to none), for a rating that arrives after the record that cleared it.
    public readonly Rating[] Ratings = new Rating[RatingCapacity];
    public long ClearedAllTicks;

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

    /// <summary>
    /// The provider rates the principal at <paramref name="ticks"/> under <paramref name="key"/> (one detection, or the
    /// principal's own state). A rating dated at or before a clearing of it already read is born cleared there; one dated
    /// after replaces a cleared one of the same key.
    /// </summary>
    public void Rate(ulong key, long ticks, int risk, string reason)
    {
        var i = -1;
        for (var j = 0; j < Ratings.Length; j++)
        {
            if (Ratings[j].Ticks != 0 && Ratings[j].Key == key)
            {
                i = j;
                break;
            }
        }

        if (i >= 0 && (Ratings[i].ClearedTicks == 0 || ticks <= Ratings[i].ClearedTicks))
        {
            // The same rating again (or read late): held from its first date, at its highest.
            ref var r = ref Ratings[i];
            r.Ticks = Math.Min(r.Ticks, ticks);
            if (risk > r.Risk)
            {
                r.Risk = risk;
                r.Reason = reason;
            }

            return;
        }

        i = i >= 0 ? i : RatingSlot();
        Ratings[i] = new Rating { Key = key, Ticks = ticks, Risk = risk, Reason = reason, ClearedTicks = ticks <= ClearedAllTicks ? ClearedAllTicks : 0 };
    }

    /// <summary>
    /// The provider says at <paramref name="ticks"/> that the rating under <paramref name="key"/>, or every rating when
    /// null, no longer holds. A rating dated after <paramref name="ticks"/> is newer than the record and stays. A detection
    /// cleared before its rating was read (records out of order) is kept as a cleared rating of no risk, so the rating read
    /// later holds only up to the clearing; it takes a free or cleared slot, never a held rating's.
    /// </summary>
    public void Clear(ulong? key, long ticks)
    {
        if (key is null)
        {
            ClearedAllTicks = Math.Max(ClearedAllTicks, ticks);
        }

        var known = false;
        for (var j = 0; j < Ratings.Length; j++)
        {
            ref var r = ref Ratings[j];
            known |= r.Ticks != 0 && r.Key == key;
            if (r.Ticks != 0 && (key is null || r.Key == key) && r.Ticks <= ticks)
            {
                r.ClearedTicks = Math.Max(r.ClearedTicks, ticks);
            }
        }

        if (key is { } detection && !known && RatingSlot() is var slot && (Ratings[slot].Ticks == 0 || Ratings[slot].ClearedTicks != 0))
        {
            Ratings[slot] = new Rating { Key = detection, Ticks = ticks, ClearedTicks = ticks };
        }
    }

    /// <summary>A slot for a new rating: a free one, else the oldest cleared, else the oldest.</summary>
    private int RatingSlot()
    {
        var oldest = 0;
        for (var j = 0; j < Ratings.Length; j++)
        {
            if (Ratings[j].Ticks == 0)
            {
                return j;
            }

            var cleared = Ratings[j].ClearedTicks != 0;
            var oldestCleared = Ratings[oldest].ClearedTicks != 0;
            if ((cleared && !oldestCleared) || (cleared == oldestCleared && Ratings[j].Ticks < Ratings[oldest].Ticks))
            {
                oldest = j;
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

        // Added in checkpoint format 7 (parked section 2): what a checkpoint or parked state written before has not.
        foreach (var s in Sessions)
        {
            w.Write(s.OpenedTicks);
        }

        w.Write(ClearedAllTicks);
        foreach (var rating in Ratings)
        {
            rating.Write(w);
        }
    }

    /// <summary>
    /// Reads what <see cref="Write"/> wrote; <paramref name="withRatings"/> false for a state written before the ratings
    /// were kept (checkpoint format 6 and older, parked section 1), which then has none.
    /// </summary>
    public static AuthenticationState Read(BinaryReader r, bool withRatings)
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

        if (withRatings)
        {
            for (var i = 0; i < SessionCapacity; i++)
            {
                s.Sessions[i].OpenedTicks = r.ReadInt64();
            }

            s.ClearedAllTicks = r.ReadInt64();
            for (var i = 0; i < RatingCapacity; i++)
            {
                s.Ratings[i] = Rating.Read(r);
            }
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

        // Since when the session counts as open for a rating of its principal: a token issued inside a session was open
        // as long as that session (0: since FirstTicks).
        public long OpenedTicks;

        public readonly long Opened => OpenedTicks != 0 ? Math.Min(OpenedTicks, FirstTicks) : FirstTicks;

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

    /// <summary>
    /// One rating of the principal by its provider: since when, how risky it scored and why, and when a later record of the
    /// provider cleared it (0: held).
    /// </summary>
    internal struct Rating
    {
        public ulong Key;
        public long Ticks;
        public long ClearedTicks;
        public int Risk;
        public string? Reason;

        public readonly void Write(BinaryWriter w)
        {
            w.Write(Key);
            w.Write(Ticks);
            w.Write(ClearedTicks);
            w.Write(Risk);
            WriteText(w, Reason);
        }

        public static Rating Read(BinaryReader r) => new()
        {
            Key = r.ReadUInt64(),
            Ticks = r.ReadInt64(),
            ClearedTicks = r.ReadInt64(),
            Risk = r.ReadInt32(),
            Reason = ReadText(r),
        };
    }
}
