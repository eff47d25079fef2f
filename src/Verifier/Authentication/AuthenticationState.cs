namespace ZtStream.Verifier.Authentication;

/// <summary>
/// What the identity detectors remember about one principal, beside its <see cref="PrincipalState"/>: failed sign-ins and
/// refused second-factor prompts since the last success, the countries and devices it signed in from, and its recent
/// sessions, the provider's ratings of the principal as a whole, when the provider last revoked all its sessions, and
/// which session each recent sign-in opened. Allocated on the principal's first sign-in or session; fixed size (about
/// 3 KB at most: 8 sessions with their first address and user agent cut to <see cref="MaxText"/> characters, 8 countries,
/// 16 device hashes, 4 ratings with their reasons and 8 sign-in links, both allocated on first use).
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
    public const int LinkCapacity = 8;
    public const int HistoryCapacity = 32;

    // The layouts Write has had, oldest first (a parked state's section number is its layout): the sessions alone; then
    // their opening times and 4 ratings; then (checkpoint format 8) the ratings only when there are any, each with the
    // session it is narrowed to, the principal's revocation time and the sign-in links.
    public const byte LayoutSessions = 1;
    public const byte LayoutRatings = 2;
    public const byte LayoutSignIns = 3;

    // Layout 4 (checkpoint format 12, parked section 4): then the first-seen history, when there is one.
    public const byte LayoutHistory = 4;

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
    // remediated or back to none), for a rating that arrives after the record that cleared it. Most principals are never
    // rated: the slots are allocated with the first rating or clearing of one detection.
    public Rating[]? Ratings;
    public long ClearedAllTicks;

    // The newest revocation of all the principal's sessions (an administrator's "Revoke sessions", a clear of all of
    // them): a token issued before it is dead, whether or not its sign-in was seen.
    public long RevokedTicks;
    public string? RevokedBy;

    // Which session and token each recent sign-in opened, by the sign-in's own ids, so a detection that names its sign-in
    // reaches that session only. Allocated with the first sign-in that carries a correlation id.
    public SignInLink[]? Links;

    // "First seen for this user": what the principal's sign-ins have shown (a network, a device-code sign-in, a client
    // reaching Microsoft Graph), as tagged hashes, oldest overwritten when full; from when it has been kept (the warm-up
    // counts from there). Allocated on the first sign-in that tells how it authenticated.
    public long HistoryFromTicks;
    public CappedSet? History;

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
    /// principal's own state), narrowed to the session and token one sign-in opened when the record names that sign-in
    /// (<paramref name="session"/>, <paramref name="token"/>; both 0: every session open then). A rating dated at or before
    /// a clearing of it already read is born cleared there; one dated after replaces a cleared one of the same key.
    /// </summary>
    public void Rate(ulong key, long ticks, int risk, string reason, ulong session = 0, ulong token = 0)
    {
        var ratings = Ratings ??= new Rating[RatingCapacity];
        var i = -1;
        for (var j = 0; j < ratings.Length; j++)
        {
            if (ratings[j].Ticks != 0 && ratings[j].Key == key)
            {
                i = j;
                break;
            }
        }

        if (i >= 0 && (ratings[i].ClearedTicks == 0 || ticks <= ratings[i].ClearedTicks))
        {
            // The same rating again (or read late): held from its first date, at its highest.
            ref var r = ref ratings[i];
            r.Ticks = Math.Min(r.Ticks, ticks);
            if (risk > r.Risk)
            {
                r.Risk = risk;
                r.Reason = reason;
            }

            return;
        }

        i = i >= 0 ? i : RatingSlot(ratings);
        ratings[i] = new Rating
        {
            Key = key,
            Ticks = ticks,
            Risk = risk,
            Reason = reason,
            ClearedTicks = ticks <= ClearedAllTicks ? ClearedAllTicks : 0,
            Session = session,
            Token = token,
        };
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
            if (Ratings is null)
            {
                return;
            }
        }

        var ratings = Ratings ??= new Rating[RatingCapacity];
        var known = false;
        for (var j = 0; j < ratings.Length; j++)
        {
            ref var r = ref ratings[j];
            known |= r.Ticks != 0 && r.Key == key;
            if (r.Ticks != 0 && (key is null || r.Key == key) && r.Ticks <= ticks)
            {
                r.ClearedTicks = Math.Max(r.ClearedTicks, ticks);
            }
        }

        if (key is { } detection && !known && RatingSlot(ratings) is var slot && (ratings[slot].Ticks == 0 || ratings[slot].ClearedTicks != 0))
        {
            ratings[slot] = new Rating { Key = detection, Ticks = ticks, ClearedTicks = ticks };
        }
    }

    /// <summary>A slot for a new rating: a free one, else the oldest cleared, else the oldest.</summary>
    private static int RatingSlot(Rating[] ratings)
    {
        var oldest = 0;
        for (var j = 0; j < ratings.Length; j++)
        {
            if (ratings[j].Ticks == 0)
            {
                return j;
            }

            var cleared = ratings[j].ClearedTicks != 0;
            var oldestCleared = ratings[oldest].ClearedTicks != 0;
            if ((cleared && !oldestCleared) || (cleared == oldestCleared && ratings[j].Ticks < ratings[oldest].Ticks))
            {
                oldest = j;
            }
        }

        return oldest;
    }

    /// <summary>
    /// The provider revoked every session of the principal at <paramref name="ticks"/>: kept as the newest such time only
    /// (a token list would grow with every token).
    /// </summary>
    public void Revoked(long ticks, string by)
    {
        if (ticks > RevokedTicks)
        {
            RevokedTicks = ticks;
            RevokedBy = Cut(by);
        }
    }

    /// <summary>
    /// A sign-in (its record's id and correlation id, hashed) opened <paramref name="session"/> and issued
    /// <paramref name="token"/> (either 0 when it names none); the oldest link goes when full.
    /// </summary>
    public void Link(ulong request, ulong correlation, ulong session, ulong token, long ticks)
    {
        var links = Links ??= new SignInLink[LinkCapacity];
        var slot = 0;
        for (var j = 0; j < links.Length; j++)
        {
            if (links[j].Ticks == 0 || (request != 0 && links[j].Request == request))
            {
                slot = j;
                break;
            }

            if (links[j].Ticks < links[slot].Ticks)
            {
                slot = j;
            }
        }

        links[slot] = new SignInLink { Request = request, Correlation = correlation, Session = session, Token = token, Ticks = ticks };
    }

    /// <summary>
    /// The sign-in a record names by its id (<paramref name="request"/>), else by its correlation id; false when neither
    /// is among the recent sign-ins.
    /// </summary>
    public bool TryFindSignIn(ulong request, ulong correlation, out SignInLink found)
    {
        found = default;
        if (Links is not { } links)
        {
            return false;
        }

        foreach (var link in links)
        {
            if (link.Ticks != 0 && request != 0 && link.Request == request)
            {
                found = link;
                return true;
            }
        }

        foreach (var link in links)
        {
            if (link.Ticks != 0 && correlation != 0 && link.Correlation == correlation)
            {
                found = link;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether the history holds <paramref name="fact"/>; remembers it either way, starting the history at
    /// <paramref name="ticks"/> when it is the first.
    /// </summary>
    public bool Saw(ulong fact, long ticks)
    {
        if (History is null)
        {
            History = new CappedSet(HistoryCapacity);
            HistoryFromTicks = ticks;
        }

        HistoryFromTicks = Math.Min(HistoryFromTicks, ticks);
        return !History.Add(fact);
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

        // Added in layout 2 (checkpoint format 7, parked section 2): what a checkpoint or parked state written before has not.
        foreach (var s in Sessions)
        {
            w.Write(s.OpenedTicks);
        }

        w.Write(ClearedAllTicks);

        // Layout 3 (checkpoint format 8, parked section 3): the ratings only when there are any, narrowed to a session or
        // not, then the revocation of all sessions and the sign-in links.
        w.Write((byte)(Ratings?.Length ?? 0));
        foreach (var rating in Ratings ?? [])
        {
            rating.Write(w);
            w.Write(rating.Session);
            w.Write(rating.Token);
        }

        w.Write(RevokedTicks);
        WriteText(w, RevokedBy);
        w.Write((byte)(Links?.Length ?? 0));
        foreach (var link in Links ?? [])
        {
            link.Write(w);
        }

        // Layout 4: the first-seen history, only when there is one.
        w.Write(History is not null);
        if (History is not null)
        {
            w.Write(HistoryFromTicks);
            History.Write(w);
        }
    }

    /// <summary>
    /// Reads what <see cref="Write"/> wrote in <paramref name="layout"/> (<see cref="LayoutSessions"/> for checkpoint
    /// format 6 and older and parked section 1, which have no ratings; <see cref="LayoutRatings"/> for format 7 and
    /// section 2, which have no revocation time or sign-in links). A state with no rating held or cleared gets no slots.
    /// </summary>
    public static AuthenticationState Read(BinaryReader r, byte layout)
    {
        if (layout is < LayoutSessions or > LayoutHistory)
        {
            throw new InvalidDataException($"authentication state layout {layout} is not one of {LayoutSessions}–{LayoutHistory}: written by a newer version");
        }

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

        if (layout == LayoutSessions)
        {
            return s;
        }

        for (var i = 0; i < SessionCapacity; i++)
        {
            s.Sessions[i].OpenedTicks = r.ReadInt64();
        }

        s.ClearedAllTicks = r.ReadInt64();
        var ratings = layout == LayoutRatings ? RatingCapacity : r.ReadByte();
        for (var i = 0; i < ratings; i++)
        {
            var rating = Rating.Read(r);
            if (layout > LayoutRatings)
            {
                rating.Session = r.ReadUInt64();
                rating.Token = r.ReadUInt64();
            }

            if (rating.Ticks != 0 && i < RatingCapacity)
            {
                (s.Ratings ??= new Rating[RatingCapacity])[i] = rating;
            }
        }

        if (layout == LayoutRatings)
        {
            return s;
        }

        s.RevokedTicks = r.ReadInt64();
        s.RevokedBy = ReadText(r);
        var links = r.ReadByte();
        for (var i = 0; i < links; i++)
        {
            var link = SignInLink.Read(r);
            if (link.Ticks != 0 && i < LinkCapacity)
            {
                (s.Links ??= new SignInLink[LinkCapacity])[i] = link;
            }
        }

        if (layout >= LayoutHistory && r.ReadBoolean())
        {
            s.HistoryFromTicks = r.ReadInt64();
            s.History = new CappedSet(HistoryCapacity);
            s.History.Read(r);
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

        // The browser's device token the session was first used with (Okta's dtHash), folded to 32 bits: the struct's
        // padding beside Risk holds it, so a session costs no more memory (0: none seen). Kept in memory, not in
        // checkpoints or parked states: after a restart the session's next use is its first again, which misses a replay
        // across the restart but never raises one.
        public uint DeviceToken;

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

        // The session and token of the sign-in the rating was found on, when the record names a sign-in that was seen
        // (0, 0: the principal's, every session open when it was made).
        public ulong Session;
        public ulong Token;

        public readonly bool Narrowed => Session != 0 || Token != 0;

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

    /// <summary>
    /// One sign-in, by its record's id and correlation id (hashed; 0 when it has none): the session it opened and the
    /// token it issued (hashed as sessions are; 0 when it names none), and when.
    /// </summary>
    internal struct SignInLink
    {
        public ulong Request;
        public ulong Correlation;
        public ulong Session;
        public ulong Token;
        public long Ticks;

        public readonly void Write(BinaryWriter w)
        {
            w.Write(Request);
            w.Write(Correlation);
            w.Write(Session);
            w.Write(Token);
            w.Write(Ticks);
        }

        public static SignInLink Read(BinaryReader r) => new()
        {
            Request = r.ReadUInt64(),
            Correlation = r.ReadUInt64(),
            Session = r.ReadUInt64(),
            Token = r.ReadUInt64(),
            Ticks = r.ReadInt64(),
        };
    }
}
