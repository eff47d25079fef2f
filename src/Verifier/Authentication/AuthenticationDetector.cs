namespace ZtStream.Verifier.Authentication;

/// <summary>
/// The <c>identity</c> detector: what a sequence of one principal's sign-ins and sessions shows that no single event
/// does, and so no rule can say (a rule matches one event, or counts matching ones; these need "this, then that"):
/// a success after a run of failures, a prompt accepted after a run of refused ones, one session used from two networks
/// or clients, a session used after it ended, a first sign-in from a country or device, and access inside a session
/// whose sign-in was risky or whose principal the provider rated at high risk while it was open. Reads the identity
/// attributes every identity adapter writes (docs/events.md); state lives in the principal's
/// <see cref="PrincipalState.Authentication"/>, checkpointed with it. Event time throughout.
/// </summary>
internal sealed class AuthenticationDetector(AuthenticationOptions options)
{
    public const string SuccessAfterFailures = "success_after_failures";
    public const string MfaFatigue = "mfa_fatigue";
    public const string SessionHijack = "session_hijack";
    public const string SessionEnded = "session_ended";
    public const string NewCountry = "new_country";
    public const string NewDevice = "new_device";
    public const string RiskySession = "risky_session";
    public const string Persistence = "persistence_in_risky_session";
    public const string FirstDeviceCode = "first_device_code";
    public const string PrtNewNetwork = "prt_new_network";
    public const string NewGraphClient = "new_graph_client";

    /// <summary>A session whose sign-in scored this much or more colours the access that follows in it.</summary>
    public const int RiskySignIn = 50;

    private const string Interrupted = "auth.interrupted";
    private const string Interactive = "auth.interactive";
    private const string MfaResult = "auth.mfa_result";
    private const string Factor = "auth.factor";
    private const string Actor = "auth.actor";
    private const string IdpName = "idp.name";
    private const string Country = "geo.country";
    private const string DeviceId = "device.id";
    private const string DeviceName = "device.name";
    private const string DeviceToken = "device.token_hash";
    private const string Asn = "net.asn";
    private const string TwinOf = "auth.twin_of";
    private const string TokenId = "auth.token_id";
    private const string RiskLevel = "idp.risk_level";
    private const string RiskEvents = "idp.risk_events";
    private const string CredentialCompromise = "credential_compromise";
    private const string RiskState = "idp.risk_state";
    private const string RiskTiming = "idp.risk_timing";
    private const string RequestId = "idp.request_id";
    private const string CorrelationId = "idp.correlation_id";
    private const string Change = "auth.change";
    private const string Protocol = "auth.protocol";
    private const string IncomingToken = "auth.incoming_token";
    private const string TransferMethod = "auth.transfer_method";
    private const string App = "auth.app";

    // Microsoft Graph as a sign-in names its resource (resourceDisplayName, else resourceId).
    private const string GraphName = "Microsoft Graph";
    private const string GraphAppId = "00000003-0000-0000-c000-000000000000";

    // The first-seen history's fact for "signed in with a device code", hashed once.
    private static readonly ulong DeviceCodeFact = StableHash.Of("device-code");

    private readonly long failureWindow = options.FailureWindow.Ticks;
    private readonly long mfaWindow = options.MfaWindow.Ticks;
    private readonly long concurrency = options.SessionConcurrency.Ticks;
    private readonly long grace = options.SessionEndGrace.Ticks;
    private readonly long riskWindow = options.RiskySessionWindow.Ticks;
    private readonly long persistenceWindow = options.PersistenceWindow.Ticks;
    private readonly long firstSeenWarmUp = options.FirstSeenWarmUp.Ticks;

    /// <summary>
    /// Whether <paramref name="e"/> is the address twin Ingest writes beside a failed sign-in (keyed by <c>ip:ADDRESS</c>,
    /// carrying <c>auth.twin_of</c>; docs/events.md): the account's own record is the one with a history.
    /// </summary>
    public static bool IsAddressTwin(AccessEvent e) => e.Attributes?.ContainsKey(TwinOf) == true;

    /// <summary>
    /// Adds this event's findings to <paramref name="found"/> (which already holds the policy's and the rules' on the same
    /// event: a sign-in they score as risky marks its session) and folds the event into the principal's state.
    /// </summary>
    public void Evaluate(AccessEvent e, in Identity who, PrincipalState principal, List<Contribution> found)
    {
        var session = e.Token?.SessionId;
        var identityKind = e.Kind.StartsWith("auth.", StringComparison.Ordinal);
        if (!identityKind && string.IsNullOrEmpty(session))
        {
            // A token with no session id (an application's own JWT, an SDK event) still says when it was issued.
            if (principal.Authentication is { RevokedTicks: > 0 } known)
            {
                IssuedBeforeRevocation(e, who, known, null, e.Time.UtcTicks, found);
            }

            return;
        }

        var s = principal.Authentication ??= new AuthenticationState();
        var a = e.Attributes;
        var ticks = e.Time.UtcTicks;
        switch (e.Kind)
        {
            case EventKinds.AuthLogin when EventAttributes.Flag(a, Interrupted) == true:
                // Stopped for another step (MFA, consent): neither a failure nor a sign-in.
                break;
            case EventKinds.AuthLogin when e.Outcome == Outcomes.Denied:
                Failed(e, s, ticks);
                break;
            case EventKinds.AuthLogin when e.Outcome == Outcomes.Success:
                SignedIn(e, who, s, a, ticks, found);
                break;
            case EventKinds.AuthMfa:
                SecondFactor(e, who, s, a, ticks, found);
                break;
        }

        var step = identityKind ? StepOf(e, a) : null;
        if (step is not null)
        {
            Persisted(e, who, s, step.Value, session, ticks, found);
        }

        if (!string.IsNullOrEmpty(session))
        {
            Session(e, who, s, a, session, identityKind, step is null, ticks, found);
        }
        else if (e.Kind == EventKinds.AuthSessionRevoked)
        {
            // Revoking a user's sessions names none of them (Entra's "Revoke sign-in sessions", "Invalidate all refresh tokens"):
            // every session known ends.
            End(e, s, a, 0, 0, ticks);
        }
        else if (e.Kind == EventKinds.AuthRisk)
        {
            Rated(e, s, a, ticks, found);
        }

        if (e.Kind == EventKinds.AuthLogin && e.Outcome == Outcomes.Success && EventAttributes.Flag(a, Interrupted) != true)
        {
            var token = EventAttributes.Text(a, TokenId) is { Length: > 0 } t && !string.Equals(t, session, StringComparison.Ordinal) ? t : null;
            if (token is not null)
            {
                Token(e, s, a, token, session, ticks, found);
            }

            Link(e, s, a, session, token, ticks);
        }
    }

    /// <summary>
    /// Remembers which session and token a sign-in opened, by the sign-in record's id and correlation id, for a detection
    /// of the provider that names the sign-in (Entra ID Protection's <c>requestId</c>, <c>correlationId</c>). Only sign-ins
    /// that carry a correlation id (Entra's, Auth0's) are linked: no detection names another provider's sign-in.
    /// </summary>
    private static void Link(AccessEvent e, AuthenticationState s, Dictionary<string, JsonElement>? a, string? session, string? token, long ticks)
    {
        if (EventAttributes.Text(a, CorrelationId) is not { Length: > 0 } correlation || (string.IsNullOrEmpty(session) && token is null))
        {
            return;
        }

        s.Link(
            string.IsNullOrEmpty(e.Id) ? 0 : StableHash.Of(e.Id),
            StableHash.Of(correlation),
            string.IsNullOrEmpty(session) ? 0 : StableHash.Of(session),
            token is null ? 0 : StableHash.Of(token),
            ticks);
    }

    private void Failed(AccessEvent e, AuthenticationState s, long ticks)
    {
        if (ticks < s.LastSignInTicks)
        {
            return;
        }

        if (s.Failures > 0 && ticks - s.LastFailureTicks > failureWindow)
        {
            // A gap longer than the window: the earlier failures belong to another run.
            s.ResetFailures();
        }

        s.Failures++;
        s.FirstFailureTicks = s.FirstFailureTicks == 0 ? ticks : Math.Min(s.FirstFailureTicks, ticks);
        s.LastFailureTicks = Math.Max(s.LastFailureTicks, ticks);
        if (e.Network?.SrcIp is { } ip)
        {
            s.LastFailureAddress = AuthenticationState.Cut(ip);
            s.FailureAddresses.Add(StableHash.Of(ip));
        }
    }

    private void SignedIn(AccessEvent e, in Identity who, AuthenticationState s, Dictionary<string, JsonElement>? a, long ticks, List<Contribution> found)
    {
        var interactive = EventAttributes.Flag(a, Interactive) != false;
        var idp = IdpOf(e);
        if (interactive && s.Failures >= options.SuccessAfterFailures && ticks >= s.LastFailureTicks && ticks - s.LastFailureTicks <= failureWindow)
        {
            var ip = e.Network?.SrcIp;
            var sameAddress = ip is not null && s.FailureAddresses.Contains(StableHash.Of(ip));
            var score = !sameAddress ? (s.Failures >= 20 ? 50 : 35) : s.Failures >= 20 ? 85 : s.Failures >= 10 ? 75 : 65;
            var span = TimeSpan.FromTicks(s.LastFailureTicks - s.FirstFailureTicks);
            var from = s.FailureAddresses.Count switch
            {
                0 => "",
                1 => " from " + s.LastFailureAddress,
                var n => $" from {Numbers.Int(n)} addresses (last {s.LastFailureAddress})",
            };
            var then = sameAddress ? $", then succeeded from {ip}" : ip is null ? ", then succeeded" : $", then succeeded from {ip}, an address none of them came from";
            found.Add(Finding(SuccessAfterFailures, score,
                $"{who.Describe()} signed in at {idp} after {Numbers.Int(s.Failures)} failed sign-ins within {Numbers.Duration(span)}{from}{then}"));
        }

        if (interactive && s.MfaRefused >= options.MfaFatigueMinimum && ticks - s.LastRefusedTicks <= mfaWindow && ticks >= s.LastRefusedTicks)
        {
            // The sign-in completed after a run of refused prompts: the last prompt was accepted even if the vendor logs
            // only the sign-in.
            Fatigue(e, who, s, ticks, found);
        }

        if (!who.IsServiceAccount)
        {
            NewLocation(e, who, s, a, found);
            FirstSeen(e, who, s, a, ticks, found);
        }

        s.ResetFailures();
        s.LastSignInTicks = Math.Max(s.LastSignInTicks, ticks);
        s.SignIns++;
        if (EventAttributes.Text(a, Country) is { Length: > 0 } country)
        {
            s.AddCountry(country);
        }

        if (DeviceOf(a) is { } device)
        {
            s.Devices.Add(StableHash.Of(device));
        }
    }

    private void SecondFactor(AccessEvent e, in Identity who, AuthenticationState s, Dictionary<string, JsonElement>? a, long ticks, List<Contribution> found)
    {
        var result = EventAttributes.Text(a, MfaResult);
        if (result is "denied" or "timeout" && Prompted(EventAttributes.Text(a, Factor)))
        {
            if (ticks < s.LastMfaAcceptTicks)
            {
                return;
            }

            if (s.MfaRefused > 0 && ticks - s.LastRefusedTicks > mfaWindow)
            {
                s.ResetMfa();
            }

            if (result == "denied")
            {
                s.MfaDenied++;
            }
            else
            {
                s.MfaTimedOut++;
            }

            s.FirstRefusedTicks = s.FirstRefusedTicks == 0 ? ticks : Math.Min(s.FirstRefusedTicks, ticks);
            s.LastRefusedTicks = Math.Max(s.LastRefusedTicks, ticks);
            s.MfaFactor ??= EventAttributes.Text(a, Factor);
            return;
        }

        if (result == "success" || (result is null && e.Outcome == Outcomes.Success))
        {
            if (s.MfaRefused >= options.MfaFatigueMinimum && ticks >= s.LastRefusedTicks && ticks - s.LastRefusedTicks <= mfaWindow)
            {
                Fatigue(e, who, s, ticks, found);
            }

            s.ResetMfa();
            s.LastMfaAcceptTicks = Math.Max(s.LastMfaAcceptTicks, ticks);
        }
    }

    private static void Fatigue(AccessEvent e, in Identity who, AuthenticationState s, long ticks, List<Contribution> found)
    {
        var refused = s.MfaRefused;
        var factor = s.MfaFactor ?? "second-factor";
        var parts = s.MfaTimedOut == 0 ? $"{Numbers.Int(s.MfaDenied)} denied"
            : s.MfaDenied == 0 ? $"{Numbers.Int(s.MfaTimedOut)} unanswered"
            : $"{Numbers.Int(s.MfaDenied)} denied, {Numbers.Int(s.MfaTimedOut)} unanswered";
        found.Add(Finding(MfaFatigue, refused >= 10 ? 90 : 80,
            $"{who.Describe()} accepted a {factor} prompt at {IdpOf(e)} after {Numbers.Int(refused)} refused within {Numbers.Duration(TimeSpan.FromTicks(s.LastRefusedTicks - s.FirstRefusedTicks))} ({parts}){(e.Network?.SrcIp is { } ip ? ", sign-in from " + ip : "")}: MFA fatigue"));
        s.ResetMfa();
        s.LastMfaAcceptTicks = Math.Max(s.LastMfaAcceptTicks, ticks);
    }

    /// <summary>Prompts a user answers with a tap or a call (push, voice, SMS link), or an unnamed factor; codes typed wrong are not fatigue.</summary>
    private static bool Prompted(string? factor) => factor is null or "push" or "voice" or "sms";

    private void NewLocation(AccessEvent e, in Identity who, AuthenticationState s, Dictionary<string, JsonElement>? a, List<Contribution> found)
    {
        if (s.SignIns < options.NewLocationMinimumSignIns)
        {
            return;
        }

        var country = EventAttributes.Text(a, Country);
        var newCountry = country is { Length: > 0 } && s.Countries.Count > 0 && !s.KnowsCountry(country);
        var device = DeviceOf(a);
        var newDevice = device is not null && s.Devices.Count > 0 && !s.Devices.Contains(StableHash.Of(device));
        if (!newCountry && !newDevice)
        {
            return;
        }

        var known = $"{Numbers.Int(s.SignIns)} sign-ins before, from {string.Join(", ", s.Countries)}";
        var deviceText = EventAttributes.Text(a, DeviceName) is { } name && !string.Equals(name, device, StringComparison.Ordinal) ? $"{name} ({device})" : device;
        if (newCountry)
        {
            found.Add(Finding(NewCountry, newDevice ? 70 : 45,
                $"{who.Describe()} signed in at {IdpOf(e)} from {country}{(newDevice ? " on a new device " + deviceText : "")}, a country never seen for it ({known})"));
        }
        else
        {
            found.Add(Finding(NewDevice, 25,
                $"{who.Describe()} signed in at {IdpOf(e)} on a new device {deviceText} ({Numbers.Int(s.Devices.Count)} devices known)"));
        }
    }

    /// <summary>
    /// What this sign-in does for the first time for the principal: a device-code sign-in, a primary refresh token from a
    /// network none of its sign-ins came from, a client reaching Microsoft Graph that never did for it (Entra's
    /// <c>authenticationProtocol</c>, <c>incomingTokenType</c>, <c>originalTransferMethod</c>, <c>appId</c>). Kept only for
    /// sign-ins that name their client application, the providers whose tokens these compare; learned from the first such
    /// sign-in on, and no reason
    /// until the history spans <see cref="AuthenticationOptions.FirstSeenWarmUp"/> of event time, so a new deployment (or a
    /// principal back after being forgotten) does not find everyone's everyday client new. Each scores below the alert
    /// threshold: a first time is common, and counts with other evidence on the sign-in.
    /// </summary>
    private void FirstSeen(AccessEvent e, in Identity who, AuthenticationState s, Dictionary<string, JsonElement>? a, long ticks, List<Contribution> found)
    {
        var client = e.Token?.ClientId;
        if (string.IsNullOrEmpty(client))
        {
            return;
        }

        var protocol = EventAttributes.Text(a, Protocol);
        var transfer = EventAttributes.Text(a, TransferMethod);
        var prt = Has(a, IncomingToken, "primaryRefreshToken");

        var warm = s.History is not null && ticks - s.HistoryFromTicks >= firstSeenWarmUp;

        var network = ClientNetwork.Of(e.Network?.SrcIp, EventAttributes.Number(a, Asn));
        var knownNetwork = network.Known && s.Saw(StableHash.Of($"net|{network.Prefix}"), ticks);
        if (warm && prt && network.Known && !knownNetwork)
        {
            found.Add(Finding(PrtNewNetwork, 45,
                $"{who.Describe()} presented a primary refresh token at {IdpOf(e)} from {e.Network!.SrcIp}, a network none of its sign-ins came from in {Days()} (to {AppName()})"));
        }

        var deviceCode = protocol == "deviceCode" || transfer == "deviceCodeFlow";
        if (deviceCode && !s.Saw(DeviceCodeFact, ticks) && warm)
        {
            found.Add(Finding(FirstDeviceCode, 40,
                $"{who.Describe()} signed in at {IdpOf(e)} with a device code for the first time in {Days()} of its sign-ins (to {AppName()}{(e.Network?.SrcIp is { } ip ? " from " + ip : "")})"));
        }

        if (e.Resource?.Id is GraphName or GraphAppId && !s.Saw(StableHash.Of($"graph|{client}"), ticks) && warm)
        {
            found.Add(Finding(NewGraphClient, 30,
                $"{who.Describe()} signed in at {IdpOf(e)} to Microsoft Graph with {AppName()}, a client that never reached Graph for it in {Days()}"));
        }

        // The texts only a finding needs, built when one is found: most sign-ins find nothing.
        string Days() => Numbers.Duration(TimeSpan.FromTicks(Math.Max(0, ticks - s.HistoryFromTicks)));
        string AppName() => EventAttributes.Text(a, App) is { Length: > 0 } name ? $"{name} ({client})" : client;
    }

    private static bool Has(Dictionary<string, JsonElement>? a, string key, string value)
    {
        if (a is null || !a.TryGetValue(key, out var v) || v.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var x in v.EnumerateArray())
        {
            if (x.ValueKind == JsonValueKind.String && x.ValueEquals(value))
            {
                return true;
            }
        }

        return false;
    }

    private void Session(
        AccessEvent e, in Identity who, AuthenticationState s, Dictionary<string, JsonElement>? a, string session, bool identityKind, bool marks, long ticks, List<Contribution> found)
    {
        var id = StableHash.Of(session);
        var sourceName = e.Source ?? EventAttributes.Text(a, IdpName) ?? "";
        var source = StableHash.Of(sourceName);
        if (e.Kind is EventKinds.AuthLogout or EventKinds.AuthSessionRevoked)
        {
            End(e, s, a, id, source, ticks);
            return;
        }

        if (!identityKind)
        {
            // Access in the session, as an application saw it: after the session ended, with a token issued before the
            // principal's sessions were all revoked, or after a risky sign-in.
            if (!Ended(e, who, s, session, id, ticks, found))
            {
                IssuedBeforeRevocation(e, who, s, session, ticks, found);
            }

            Risky(e, who, s, session, id, ticks, found);
        }

        var i = s.Find(id, source);
        var deviceToken = DeviceTokenOf(e, a);
        var deviceMoved = i >= 0 && deviceToken != 0 && s.Sessions[i].DeviceToken != 0 && deviceToken != s.Sessions[i].DeviceToken;
        if (!FromTheUsersClient(e, a))
        {
            // A token grant or a background sign-in is made by an application's server or the provider's own services, from
            // their address and with their client: it says nothing about where the user is, but may still mark the session.
            // A browser's device token does say which browser made the request, whatever the event.
            if (i < 0)
            {
                i = s.Slot();
                s.Sessions[i] = new AuthenticationState.Session { Id = id, Source = source, FirstTicks = ticks, LastTicks = ticks, DeviceToken = deviceToken };
            }
            else if (deviceMoved)
            {
                Hijack(e, who, session, sourceName, s.Sessions[i], ticks, false, false, true, found);
            }
            else if (s.Sessions[i].DeviceToken == 0)
            {
                s.Sessions[i].DeviceToken = deviceToken;
            }

            if (marks && e.Outcome != Outcomes.Denied)
            {
                MarkRisk(e, s, i, ticks, found);
            }

            return;
        }

        // A session's requests mostly repeat its address and client: reuse what was worked out for them (no parse, no hash).
        var address = e.Network?.SrcIp;
        var network = i >= 0 && address is not null && string.Equals(s.Sessions[i].Address, address, StringComparison.Ordinal)
            ? s.Sessions[i].Network
            : ClientNetwork.Of(address, EventAttributes.Number(a, Asn));
        var agent = i >= 0 && string.Equals(s.Sessions[i].AgentText, e.UserAgent, StringComparison.Ordinal) && s.Sessions[i].Agent != 0
            ? s.Sessions[i].Agent
            : AgentKey(e.UserAgent);
        if (i < 0)
        {
            i = s.Slot();
            s.Sessions[i] = new AuthenticationState.Session
            {
                Id = id,
                Source = source,
                Network = network,
                Agent = agent,
                Address = AuthenticationState.Cut(e.Network?.SrcIp),
                AgentText = AuthenticationState.Cut(e.UserAgent),
                FirstTicks = ticks,
                LastTicks = ticks,
                DeviceToken = deviceToken,
            };
        }
        else
        {
            ref var x = ref s.Sessions[i];
            var networkMoved = x.Network.DiffersFrom(network) && Math.Abs(ticks - x.LastTicks) <= concurrency;
            var agentChanged = agent != 0 && x.Agent != 0 && agent != x.Agent;
            if (networkMoved || agentChanged || deviceMoved)
            {
                Hijack(e, who, session, sourceName, x, ticks, networkMoved, agentChanged, deviceMoved, found);
            }

            if (x.DeviceToken == 0)
            {
                x.DeviceToken = deviceToken;
            }

            if (network.Known)
            {
                x.Network = network;
                x.Address = AuthenticationState.Cut(e.Network?.SrcIp);
            }

            if (agent != 0)
            {
                x.Agent = agent;
                x.AgentText = AuthenticationState.Cut(e.UserAgent);
            }

            x.LastTicks = Math.Max(x.LastTicks, ticks);
        }

        if (identityKind && marks && e.Outcome != Outcomes.Denied)
        {
            MarkRisk(e, s, i, ticks, found);
        }
    }

    /// <summary>
    /// One session used from another network at once, with another client, or with another browser's device token (its
    /// cookie replayed from elsewhere): one finding however many of the three, scored by how many and which.
    /// </summary>
    private static void Hijack(
        AccessEvent e, in Identity who, string session, string sourceName, in AuthenticationState.Session x, long ticks,
        bool networkMoved, bool agentChanged, bool deviceMoved, List<Contribution> found)
    {
        var what = (networkMoved, agentChanged) switch
        {
            (true, true) => $"from {e.Network!.SrcIp} with user agent '{AuthenticationState.Cut(e.UserAgent)}' ({Numbers.Duration(TimeSpan.FromTicks(Math.Abs(ticks - x.LastTicks)))} after use from {x.Address} with '{x.AgentText}')",
            (true, false) => $"from {e.Network!.SrcIp}, another network, {Numbers.Duration(TimeSpan.FromTicks(Math.Abs(ticks - x.LastTicks)))} after use from {x.Address}",
            (false, true) => $"with user agent '{AuthenticationState.Cut(e.UserAgent)}' after '{x.AgentText}'",
            _ => $"{(e.Network?.SrcIp is { } ip ? "from " + ip + " " : "")}by {e.Action ?? e.Kind}",
        };
        var two = (networkMoved, agentChanged) switch
        {
            (true, true) => "networks and clients",
            (true, false) => "networks at once",
            (false, true) => "clients",
            _ => "browsers",
        };
        var device = deviceMoved ? $" with a device token other than the one it was first used with{(networkMoved || agentChanged ? "" : ", its cookie replayed from another browser")}" : "";

        // Another network alone may be a phone leaving Wi-Fi, another client a rewritten user agent; another browser's device
        // token cannot come from the browser the session was made in. Two of the three together are the replay itself.
        var score = ((networkMoved ? 1 : 0) + (agentChanged ? 1 : 0) + (deviceMoved ? 1 : 0)) switch
        {
            3 => 90,
            2 => 85,
            _ => deviceMoved ? 75 : networkMoved ? 65 : 70,
        };
        found.Add(Finding(SessionHijack, score,
            $"session {session} of {who.Describe()} at {(sourceName.Length > 0 ? sourceName : "its source")} used {what}{device}: one session, two {two}"));
    }

    /// <summary>
    /// The event's browser device token, folded to 32 bits. 0: none; a second-factor step, which another device may
    /// answer (a push accepted on a phone is not the browser's request); a step of the sign-in itself (below); or a record
    /// the subject did not make itself (an administrator's change to the user, the provider's own finding), whose token is
    /// the maker's browser.
    /// </summary>
    private static uint DeviceTokenOf(AccessEvent e, Dictionary<string, JsonElement>? a)
    {
        if (e.Kind == EventKinds.AuthMfa || EventAttributes.Text(a, Actor) is not null || e.Subject?.Type is "system"
            || IsSignInStep(e.Action)
            || EventAttributes.Text(a, DeviceToken) is not { Length: > 0 } token)
        {
            return 0;
        }

        var hash = StableHash.Of(token);
        return (uint)(hash ^ (hash >> 32)) is var folded and not 0 ? folded : 1;
    }

    /// <summary>
    /// Okta's records of the sign-in and its redirects: the sign-on policy's evaluation, the session's start and an
    /// application's single sign-on. Their device identifier may legitimately be another browser's where a deployment
    /// hands the sign-in between an app's web view and the system browser (Okta's "Enforce device matching for creating
    /// sessions" exists to be turned off for them), so a session's device token is compared on what it is used for after
    /// sign-in, as Elastic's "Multiple Device Token Hashes for Single Okta Session" counts it.
    /// </summary>
    private static bool IsSignInStep(string? action) =>
        action is not null
        && (action.Equals("user.session.start", StringComparison.OrdinalIgnoreCase)
            || action.Equals("user.authentication.sso", StringComparison.OrdinalIgnoreCase)
            || action.Equals("policy.evaluate_sign_on", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Whether the event was made by the user's own client, whose address and user agent a session keeps: a sign-in or
    /// second-factor step the user made, or an access the application saw. Token grants and refreshes (often by the
    /// application's server), background sign-ins (Entra non-interactive, made by services on the user's behalf) and other
    /// provider events are not.
    /// </summary>
    private static bool FromTheUsersClient(AccessEvent e, Dictionary<string, JsonElement>? a) =>
        !e.Kind.StartsWith("auth.", StringComparison.Ordinal)
        || (e.Kind is EventKinds.AuthLogin or EventKinds.AuthMfa && EventAttributes.Flag(a, Interactive) != false);

    /// <summary>
    /// The session (or, when an administrator or the provider ended them all, or the revocation names no session, every
    /// session known, and every token issued before) ends here.
    /// </summary>
    private static void End(AccessEvent e, AuthenticationState s, Dictionary<string, JsonElement>? a, ulong id, ulong source, long ticks)
    {
        if (e.Outcome == Outcomes.Denied)
        {
            // A sign-out or revocation that failed (Entra's audit result "failure", Auth0's failed logout) ended nothing.
            return;
        }

        var by = $"{IdpOf(e)} ({(e.Kind == EventKinds.AuthLogout ? "sign-out" : "session revoked")})";
        if (e.Kind == EventKinds.AuthSessionRevoked && (id == 0 || EventAttributes.Text(a, Actor) is not null))
        {
            // An administrator's action names the administrator's own session: the subject's sessions all end, those never
            // seen too (their tokens were issued before this).
            s.Revoked(ticks, by);
            for (var j = 0; j < s.Sessions.Length; j++)
            {
                if (s.Sessions[j].Id != 0 && s.Sessions[j].FirstTicks <= ticks && s.Sessions[j].EndedTicks == 0)
                {
                    s.Sessions[j].EndedTicks = ticks;
                    s.Sessions[j].EndedBy = by;
                }
            }

            return;
        }

        var i = s.Find(id, source);
        if (i < 0)
        {
            i = s.Slot();
            s.Sessions[i] = new AuthenticationState.Session { Id = id, Source = source, FirstTicks = ticks, LastTicks = ticks };
        }

        if (s.Sessions[i].EndedTicks == 0 || ticks < s.Sessions[i].EndedTicks)
        {
            s.Sessions[i].EndedTicks = ticks;
            s.Sessions[i].EndedBy = AuthenticationState.Cut(by);
        }
    }

    private bool Ended(AccessEvent e, in Identity who, AuthenticationState s, string session, ulong id, long ticks, List<Contribution> found)
    {
        foreach (ref readonly var x in s.Sessions.AsSpan())
        {
            if (x.Id == id && x.EndedTicks != 0 && ticks > x.EndedTicks + grace)
            {
                var ended = new DateTimeOffset(x.EndedTicks, TimeSpan.Zero);
                found.Add(Finding(SessionEnded, 90,
                    $"session {session} of {who.Describe()} ended at {Numbers.Time(ended)} ({x.EndedBy}) and was used {Numbers.Duration(e.Time - ended)} later: {Access(e)}"));
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// An access whose token (<c>token.issued_at</c>; a Graph request's <c>TokenIssuedAt</c>) was issued before the
    /// provider revoked all the principal's sessions, used after the revocation: the token is dead whether or not its
    /// sign-in was seen. JWT issue times count whole seconds, so a token of the revocation's own second is not compared.
    /// A token with no issue time is not raised by the revocation alone: it may come from a sign-in after it.
    /// </summary>
    private void IssuedBeforeRevocation(AccessEvent e, in Identity who, AuthenticationState s, string? session, long ticks, List<Contribution> found)
    {
        if (s.RevokedTicks == 0 || e.Token?.IssuedAt is not { } issued || ticks <= s.RevokedTicks + grace
            || issued.UtcTicks / TimeSpan.TicksPerSecond >= s.RevokedTicks / TimeSpan.TicksPerSecond)
        {
            return;
        }

        var revoked = new DateTimeOffset(s.RevokedTicks, TimeSpan.Zero);
        var token = session is not null ? $"a token of session {session}" : e.Token.Jti is { Length: > 0 } jti ? $"token {jti}" : "a token";
        found.Add(Finding(SessionEnded, 90,
            $"{token} of {who.Describe()} issued at {Numbers.Time(issued)} was used {Numbers.Duration(e.Time - revoked)} after all its sessions were revoked at {Numbers.Time(revoked)} ({s.RevokedBy}): {Access(e)}"));
    }

    private void Risky(AccessEvent e, in Identity who, AuthenticationState s, string session, ulong id, long ticks, List<Contribution> found)
    {
        var risk = RiskIn(s, id, ticks, out var riskTicks, out var reason);
        if (risk == 0)
        {
            return;
        }

        var at = new DateTimeOffset(riskTicks, TimeSpan.Zero);
        found.Add(Finding(RiskySession, Math.Min(80, (int)Math.Round(0.8 * risk)),
            $"{Access(e)} by {who.Describe()} in session {session}, {Numbers.Duration(e.Time - at)} after it was rated risky (score {Numbers.Int(risk)}) at {Numbers.Time(at)}: {reason}"));
    }

    /// <summary>
    /// How risky session <paramref name="id"/> is at <paramref name="ticks"/> (0: not), since when and why: its own risky
    /// sign-in within <see cref="AuthenticationOptions.RiskySessionWindow"/>, or a rating of the principal that reaches it
    /// and was not cleared by then; until the session ended.
    /// </summary>
    private int RiskIn(AuthenticationState s, ulong id, long ticks, out long riskTicks, out string? reason)
    {
        var risk = 0;
        riskTicks = 0L;
        reason = null;
        foreach (ref readonly var x in s.Sessions.AsSpan())
        {
            if (x.Id != id || (x.EndedTicks != 0 && ticks > x.EndedTicks))
            {
                continue;
            }

            if (x.Risk > risk && ticks >= x.RiskTicks && ticks - x.RiskTicks <= riskWindow)
            {
                (risk, riskTicks, reason) = (x.Risk, x.RiskTicks, x.RiskReason);
            }

            // A rating of the principal reaches the sessions open when it was made, until the provider cleared it; the
            // session's own risky sign-in is not the principal's rating and stays (docs/detection.md).
            // A rating found on one sign-in that was seen reaches that sign-in's session and token only.
            foreach (ref readonly var r in s.Ratings.AsSpan())
            {
                if (r.Ticks != 0 && r.Risk > risk && (r.Narrowed ? x.Id == r.Session || x.Id == r.Token : x.Opened <= r.Ticks)
                    && (x.EndedTicks == 0 || r.Ticks <= x.EndedTicks)
                    && ticks >= r.Ticks && ticks - r.Ticks <= riskWindow && (r.ClearedTicks == 0 || ticks < r.ClearedTicks))
                {
                    (risk, riskTicks, reason) = (r.Risk, r.Ticks, r.Reason);
                }
            }
        }

        return risk;
    }

    /// <summary>
    /// The principal's most risky sign-in at most <see cref="AuthenticationOptions.PersistenceWindow"/> before
    /// <paramref name="ticks"/>, for a record that names no session: a session whose own sign-in (or a token issued in it)
    /// scored ≥ <see cref="RiskySignIn"/> and had not ended, or a rating the provider found on one of its sign-ins (narrowed
    /// to it) and had not cleared. A rating of the principal as a whole is not one: its remedy is the user's own password
    /// change or new factor (Entra's risk policies ask for both), so the step is the cure, not the attack.
    /// </summary>
    private int RiskySignInBefore(AuthenticationState s, long ticks, out long riskTicks, out string? reason)
    {
        var risk = 0;
        riskTicks = 0L;
        reason = null;
        foreach (ref readonly var x in s.Sessions.AsSpan())
        {
            if (x.Id != 0 && x.Risk > risk && ticks >= x.RiskTicks && ticks - x.RiskTicks <= persistenceWindow && (x.EndedTicks == 0 || ticks <= x.EndedTicks))
            {
                (risk, riskTicks, reason) = (x.Risk, x.RiskTicks, x.RiskReason);
            }
        }

        foreach (ref readonly var r in s.Ratings.AsSpan())
        {
            if (r.Ticks != 0 && r.Narrowed && r.Risk > risk && ticks >= r.Ticks && ticks - r.Ticks <= persistenceWindow
                && (r.ClearedTicks == 0 || ticks < r.ClearedTicks))
            {
                (risk, riskTicks, reason) = (r.Risk, r.Ticks, r.Reason);
            }
        }

        return risk;
    }

    /// <summary>
    /// A step that makes the access last, as the adapters map it (docs/events.md): a second factor or authenticator
    /// registered or changed, the password changed or reset, the e-mail address or phone number (where resets go) changed,
    /// an API token or application secret created. Only the subject's own, done: not another actor's (a help desk, the
    /// provider's automation), not a failed attempt, not a removal or a reset merely requested.
    /// </summary>
    private static PersistenceStep? StepOf(AccessEvent e, Dictionary<string, JsonElement>? a)
    {
        if (e.Kind is not (EventKinds.AuthCredentialChange or EventKinds.AuthAccountChange or EventKinds.AuthAdminChange)
            || e.Outcome is Outcomes.Denied or Outcomes.Error
            || EventAttributes.Text(a, Actor) is not null
            || e.Subject?.Type is "system" or "service_account")
        {
            return null;
        }

        var change = EventAttributes.Text(a, Change);
        var factor = EventAttributes.Text(a, Factor);
        var password = factor is null or "password";
        return (e.Kind, change) switch
        {
            (EventKinds.AuthCredentialChange, "enroll") => new(Techniques.FactorRegistration, $"registered a new {factor ?? "second factor"}"),
            (EventKinds.AuthCredentialChange, "update") when !password => new(Techniques.FactorRegistration, $"changed its {factor}"),
            (EventKinds.AuthCredentialChange, "update") => new(Techniques.AccountManipulation, "changed its password"),
            (EventKinds.AuthCredentialChange, "reset") => new(Techniques.AccountManipulation, password ? "reset its password" : $"reset its {factor}"),
            (EventKinds.AuthAccountChange, "email_update") => new(Techniques.AccountManipulation, "changed its e-mail address"),
            (EventKinds.AuthAccountChange, "phone_update") => new(Techniques.AccountManipulation, "changed its phone number"),
            (EventKinds.AuthAdminChange, "api_token_create") => new(Techniques.AdditionalCloudCredentials, "created an API token"),
            (EventKinds.AuthAdminChange, "app_credential_change") => new(Techniques.AdditionalCloudCredentials, "changed an application's secrets, certificates or federated credentials"),
            _ => null,
        };
    }

    /// <summary>
    /// The persistence step of a taken-over session: the principal makes its access last (<see cref="StepOf"/>) in a
    /// session the detector holds as risky (<see cref="RiskIn"/>: the session's lifetime within RiskySessionWindow), or,
    /// when the record names no session (Entra's audit records, Auth0's enrolments), shortly after a risky sign-in
    /// (<see cref="RiskySignInBefore"/>). The step alone is routine; after the sign-in it is how the attacker stays.
    /// </summary>
    private void Persisted(AccessEvent e, in Identity who, AuthenticationState s, PersistenceStep step, string? session, long ticks, List<Contribution> found)
    {
        var named = !string.IsNullOrEmpty(session);
        var risk = named ? RiskIn(s, StableHash.Of(session!), ticks, out var riskTicks, out var reason) : RiskySignInBefore(s, ticks, out riskTicks, out reason);
        if (risk < RiskySignIn)
        {
            return;
        }

        var at = new DateTimeOffset(riskTicks, TimeSpan.Zero);
        var after = Numbers.Duration(e.Time - at);
        var where = named
            ? $"in session {session}, {after} after it was rated risky (score {Numbers.Int(risk)}) at {Numbers.Time(at)}"
            : $"{after} after a risky sign-in (score {Numbers.Int(risk)}) at {Numbers.Time(at)} (the record names no session)";
        found.Add(new Contribution(Detectors.Identity, Persistence, 80,
            $"{who.Describe()} {step.What} at {IdpOf(e)}{(e.Network?.SrcIp is { } ip ? " from " + ip : "")} {where}: {reason}").Of(step.Attack));
    }

    /// <summary>What a persistence step did, in words, and the technique it is.</summary>
    private readonly record struct PersistenceStep(AttackMapping Attack, string What);

    /// <summary>
    /// An <c>auth.risk</c> event naming no session: the provider rates the principal, not one sign-in (Entra's offline
    /// detections and risky-user state, found after the sign-in). A verdict on a request the provider refused (Auth0's
    /// blocked account or breached password, ThreatInsight's DENY) rates no session: the attempt got none, and an attacker
    /// guessing at an account must not colour its owner's sessions. Held at high risk or confirmed compromised, every session
    /// and token of the principal open at that time is risky from then on, or, for a detection that names a sign-in still
    /// linked in the state, that sign-in's session and token only; dismissed, remediated or confirmed safe, the
    /// rating it clears no longer is from then on (the detection's own, or, for a risky user's or service principal's
    /// state, every rating of the principal). A record dated before a rating clears nothing of it.
    /// </summary>
    private static void Rated(AccessEvent e, AuthenticationState s, Dictionary<string, JsonElement>? a, long ticks, List<Contribution> found)
    {
        // A detection is one finding of the provider (its type, on the sign-in it names); a state rates the principal whole.
        var types = EventAttributes.List(a, RiskEvents);
        types.Remove(CredentialCompromise);
        var detection = types.Count > 0 || EventAttributes.Text(a, RiskTiming) is not null;
        var request = EventAttributes.Text(a, RequestId);
        var key = detection ? StableHash.Of(string.Join('|', types) + "|" + request) : 0UL;
        if (Clears(a, detection))
        {
            s.Clear(detection ? key : null, ticks);
        }
        else if (RatesAtHighRisk(a) && e.Outcome != Outcomes.Denied && RiskOf(found, out var top) is var score and >= RiskySignIn)
        {
            // A detection names the sign-in it was found on (its requestId is the sign-in's id, its correlationId the
            // sign-in's): when that sign-in was seen, the rating is of its session and token, not of the principal.
            var signIn = default(AuthenticationState.SignInLink);
            _ = detection && s.TryFindSignIn(
                string.IsNullOrEmpty(request) ? 0 : StableHash.Of(request),
                EventAttributes.Text(a, CorrelationId) is { Length: > 0 } correlation ? StableHash.Of(correlation) : 0,
                out signIn);
            s.Rate(key, ticks, score, Reason(e, top), signIn.Session, signIn.Token);
        }
    }

    /// <summary>
    /// Entra no longer holds the risk: dismissed by an administrator, remediated (a secure password reset or change, MFA
    /// passed under a risk policy), confirmed safe; or a risky user's state back to <c>none</c> (no state, rated none).
    /// </summary>
    private static bool Clears(Dictionary<string, JsonElement>? a, bool detection) =>
        EventAttributes.Text(a, RiskState) is { } state
            ? state.Equals("dismissed", StringComparison.OrdinalIgnoreCase) || state.Equals("remediated", StringComparison.OrdinalIgnoreCase)
              || state.Equals("confirmedSafe", StringComparison.OrdinalIgnoreCase)
            : !detection && EventAttributes.Text(a, RiskLevel) == "none";

    /// <summary>
    /// The provider's own rating, held: high risk, or a credential confirmed compromised. A medium rating of the principal
    /// is left to the sign-ins it rated (each marks its own session); a risk dismissed or remediated rates <c>none</c> and
    /// clears (<see cref="Clears"/>).
    /// </summary>
    private static bool RatesAtHighRisk(Dictionary<string, JsonElement>? a) =>
        EventAttributes.Text(a, RiskLevel) == "high" || EventAttributes.List(a, RiskEvents).Contains(CredentialCompromise, StringComparer.Ordinal);

    /// <summary>An identity event that scored as risky makes its session risky for the access that follows.</summary>
    private static void MarkRisk(AccessEvent e, AuthenticationState s, int i, long ticks, List<Contribution> found)
    {
        var score = RiskOf(found, out var top);
        ref var x = ref s.Sessions[i];
        if (score >= RiskySignIn && score >= x.Risk)
        {
            x.Risk = score;
            x.RiskTicks = x.RiskTicks == 0 ? ticks : Math.Min(x.RiskTicks, ticks);
            x.RiskReason = Reason(e, top);
        }
    }

    private static string Reason(AccessEvent e, Contribution top)
    {
        var text = $"{IdpOf(e)}: {top.Text}";
        return text.Length > AuthenticationState.MaxReason ? text[..AuthenticationState.MaxReason] + "…" : text;
    }

    /// <summary>The findings on one event combined (as independent chances), and the highest of them.</summary>
    private static int RiskOf(List<Contribution> found, out Contribution top)
    {
        top = found.Count > 0 ? found[0] : default;
        var keep = 1.0;
        foreach (var c in found)
        {
            keep *= 1 - (Math.Clamp(c.Score, 0, 100) / 100.0);
            top = c.Score > top.Score ? c : top;
        }

        return (int)Math.Round(100 * (1 - keep));
    }

    /// <summary>
    /// The token a sign-in issued (Entra's <c>uniqueTokenIdentifier</c>), kept as a session of its own: a Microsoft Graph
    /// request names the sign-in its token came from (<c>SignInActivityId</c>) as its session, not the sign-in session
    /// Microsoft's own services share, so this is how a risky sign-in, or a revocation of the user's sessions, reaches the
    /// requests made with its token and no other's. The token's session carries the sign-in's risk, or the risk of the
    /// session it was issued in (a refresh inside a risky session issues a risky token). Its address and client are left to
    /// its first request: an application's server calling Graph with the user's token is no second place. Kept for
    /// interactive sign-ins and risky ones only, so background refreshes do not push real sessions out of the state.
    /// </summary>
    private void Token(AccessEvent e, AuthenticationState s, Dictionary<string, JsonElement>? a, string token, string? session, long ticks, List<Contribution> found)
    {
        var source = StableHash.Of(e.Source ?? EventAttributes.Text(a, IdpName) ?? "");
        var parent = string.IsNullOrEmpty(session) ? -1 : s.Find(StableHash.Of(session), source);
        var inherited = parent >= 0 ? s.Sessions[parent] : default;
        var inherits = inherited.Risk > 0 && ticks >= inherited.RiskTicks && ticks - inherited.RiskTicks <= riskWindow
            && (inherited.EndedTicks == 0 || ticks <= inherited.EndedTicks);
        var id = StableHash.Of(token);
        var i = s.Find(id, source);
        if (i < 0)
        {
            if (!inherits && RiskOf(found, out _) < RiskySignIn && EventAttributes.Flag(a, Interactive) == false)
            {
                return;
            }

            i = s.Slot();
            s.Sessions[i] = new AuthenticationState.Session { Id = id, Source = source, FirstTicks = ticks, LastTicks = ticks };
        }

        MarkRisk(e, s, i, ticks, found);
        ref var x = ref s.Sessions[i];
        if (parent >= 0 && (inherited.EndedTicks == 0 || ticks <= inherited.EndedTicks))
        {
            // Issued inside the session: open as long as it was, so a rating of the principal meets both.
            x.OpenedTicks = x.OpenedTicks == 0 ? inherited.Opened : Math.Min(x.OpenedTicks, inherited.Opened);
        }

        if (inherits && inherited.Risk > x.Risk)
        {
            x.Risk = inherited.Risk;
            x.RiskTicks = inherited.RiskTicks;
            x.RiskReason = inherited.RiskReason;
        }
    }

    private static Contribution Finding(string rule, int score, string text) => new Contribution(Detectors.Identity, rule, score, text).Of(rule switch
    {
        SuccessAfterFailures => Techniques.PasswordGuessing,
        MfaFatigue => Techniques.MfaRequestGeneration,
        SessionHijack => Techniques.StolenSession,
        SessionEnded => Techniques.WebSessionCookie,
        PrtNewNetwork or FirstDeviceCode or NewGraphClient => Techniques.StolenToken,
        _ => Techniques.CloudAccounts,
    });

    private static string IdpOf(AccessEvent e) => EventAttributes.Text(e.Attributes, IdpName) ?? e.Source ?? "the identity provider";

    private static string? DeviceOf(Dictionary<string, JsonElement>? a) => EventAttributes.Text(a, DeviceId) is { Length: > 0 } id ? id : null;

    private static string Access(AccessEvent e)
    {
        var what = e.Resource?.Id ?? e.Resource?.Type ?? e.Kind;
        return $"{e.Action ?? e.Kind} {what}{(e.Network?.SrcIp is { } ip ? " from " + ip : "")}";
    }

    /// <summary>The client software without its version numbers, so a browser update within a session is the same client.</summary>
    private static ulong AgentKey(string? agent)
    {
        if (string.IsNullOrWhiteSpace(agent))
        {
            return 0;
        }

        Span<char> buffer = stackalloc char[256];
        var n = 0;
        foreach (var c in agent.AsSpan(0, Math.Min(agent.Length, 512)))
        {
            if (!char.IsAsciiDigit(c) && n < buffer.Length)
            {
                buffer[n++] = char.ToLowerInvariant(c);
            }
        }

        return StableHash.Of(buffer[..n]);
    }
}
