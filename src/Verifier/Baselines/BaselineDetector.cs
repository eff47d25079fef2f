namespace ZtStream.Verifier.Baselines;

/// <summary>What one event is, relative to its principal's history (computed before the history learns it).</summary>
internal struct EventFacts
{
    public ulong Resource;
    public ulong DataClass;
    public ulong Workload;
    public ulong Ip;
    public ulong Agent;
    public ulong Token;
    public ulong PeerGroup;
    public bool NewResource;
    public bool NewDataClass;
    public bool NewWorkload;
    public bool NewIp;
    public bool NewAgent;
    public bool Denied;
    public bool Write;
    public int Hour;
    public long Bytes;
    public bool WarmedUp;
    public bool UnusualHour;
    public bool NewInWindow;
}

/// <summary>
/// Per-principal statistical baselines, driven by event time: first access (also against peers), volume,
/// rate, breadth and denial spikes, new sources for a subject or token, unusual hours.
/// </summary>
internal sealed class BaselineDetector(VerifierOptions options)
{
    private readonly long windowTicks = options.Window.Ticks;
    private readonly double horizonTicks = options.BaselineHorizon.Ticks;
    private readonly string windowText = Numbers.Duration(options.Window);
    private readonly string horizonText = Numbers.One(options.BaselineHorizon.TotalDays) + "-day";

    // Per engine, as this detector is: the values hashed on every event are mostly the same few instances.
    private readonly StableHashMemo hashes = new();

    /// <summary>Computes the facts and advances the principal's current window to include this event.</summary>
    public void Observe(AccessEvent e, in Identity who, PrincipalState s, ref EventFacts f)
    {
        var ticks = e.Time.UtcTicks;
        var res = e.Resource;
        f.Resource = res?.Id is { } rid ? StableHash.Combine(res.Type is { } type ? hashes.Of(type) : StableHash.Of(null), hashes.Of(rid)) : 0;
        f.DataClass = res?.DataClass is { } dc ? hashes.Of(dc) : 0;
        f.Workload = who.WorkloadId is { } w && !string.Equals(w, who.Principal, StringComparison.Ordinal) ? hashes.Of(w) : 0;
        f.Ip = e.Network?.SrcIp is { } ip ? hashes.Of(ip) : 0;
        f.Agent = e.UserAgent is { } ua ? hashes.Of(ua) : 0;

        // A jti is a new string on every event (the reader does not share it), so remembering it would only cost.
        f.Token = e.Token?.Jti is { } jti ? StableHash.Of(jti) : 0;
        f.PeerGroup = PeerIndex.Group(hashes.Of(who.Namespace ?? e.Subject?.Tenant ?? "(no tenant)"), who.Cluster is { } cluster ? hashes.Of(cluster) : 0);
        f.NewResource = f.Resource != 0 && !s.Resources.Contains(f.Resource);
        f.NewDataClass = f.DataClass != 0 && !s.DataClasses.Contains(f.DataClass);
        f.NewWorkload = f.Workload != 0 && !s.Workloads.Contains(f.Workload);
        f.NewIp = f.Ip != 0 && !s.Ips.Contains(f.Ip);
        f.NewAgent = f.Agent != 0 && !s.Agents.Contains(f.Agent);
        f.Denied = string.Equals(e.Outcome, Outcomes.Denied, StringComparison.Ordinal);
        f.Write = Policy.PolicyDetector.IsWrite(e.Action);
        f.Hour = e.Time.UtcDateTime.Hour;
        f.Bytes = e.Bytes ?? 0;
        f.WarmedUp = WarmedUp(s, ticks);
        f.UnusualHour = f.WarmedUp && s.HourCounts[f.Hour] == 0
            && s.HourCounts[(f.Hour + 1) % 24] == 0 && s.HourCounts[(f.Hour + 23) % 24] == 0;

        if (s.WindowStartTicks == 0 || ticks >= s.WindowStartTicks + windowTicks)
        {
            CloseWindow(s, ticks);
        }

        s.WindowCount++;
        if (f.Denied)
        {
            s.WindowDenied++;
        }
        else if (!f.Write)
        {
            s.WindowBytes += f.Bytes;
        }

        f.NewInWindow = f.Resource != 0 && !f.Denied && s.WindowResources.Add(f.Resource);
    }

    public void Evaluate(AccessEvent e, in Identity who, PrincipalState s, PeerIndex peers, in EventFacts f, List<Contribution> output)
    {
        if (!f.WarmedUp)
        {
            return;
        }

        var dc = e.Resource?.DataClass;
        if (f.NewDataClass && !f.Denied)
        {
            var peerUses = peers.Uses(f.PeerGroup, f.DataClass);
            var group = (who.Namespace is { } ns ? "namespace " + ns : "tenant " + (e.Subject?.Tenant ?? "(none)"))
                + (who.Cluster is { } cluster ? " of cluster " + cluster : string.Empty);
            output.Add(peerUses
                ? new Contribution(Detectors.Baseline, RuleNames.FirstDataClass, 45,
                    $"first access to data class {dc} in {Numbers.Duration(TimeSpan.FromTicks(e.Time.UtcTicks - s.FirstSeenTicks))} of history ({Numbers.Int(s.DataClasses.Count)} classes known); peers in {group} use it").Of(Policy.PolicyDetector.DataAccess(e.Resource?.Type))
                : new Contribution(Detectors.Baseline, RuleNames.FirstDataClass, 75,
                    $"first access to data class {dc} in {Numbers.Duration(TimeSpan.FromTicks(e.Time.UtcTicks - s.FirstSeenTicks))} of history ({Numbers.Int(s.DataClasses.Count)} classes known); no peer in {group} has used it ({Numbers.Int(peers.ClassCount(f.PeerGroup))} classes seen there)").Of(Policy.PolicyDetector.DataAccess(e.Resource?.Type)));
        }
        else if (f.NewResource && !f.Denied && s.Resources.Count >= 8)
        {
            output.Add(new Contribution(Detectors.Baseline, RuleNames.FirstResource, 10,
                $"first access to {e.Resource!.Type} {e.Resource.Id} ({Numbers.Int(s.Resources.Count)} resources known)"));
        }

        if (f.Bytes >= options.BytesMinimum && !f.Write && !f.Denied && s.LogBytes.Weight >= 20)
        {
            var z = (Math.Log(f.Bytes) - s.LogBytes.Mean) / Math.Max(s.LogBytes.StdDev, 0.25);
            if (z >= options.BytesSigma && f.Bytes >= 20 * s.RawBytes.Mean)
            {
                var sigma = (f.Bytes - s.RawBytes.Mean) / Math.Max(s.RawBytes.StdDev, 1);
                output.Add(new Contribution(Detectors.Baseline, RuleNames.BytesSpike, Math.Min(95, 50 + (int)(3 * z)),
                    $"read {Numbers.Bytes(f.Bytes)} of {dc ?? e.Resource?.Type ?? "data"}; {horizonText} mean {Numbers.Bytes(s.RawBytes.Mean)}, {Numbers.One(sigma)}σ ({Numbers.One(z)}σ on log scale)").Of(Policy.PolicyDetector.DataAccess(e.Resource?.Type)));
            }
        }

        // Window rules fire only on events that feed the spike, so traffic after a burst in the same window is not blamed.
        if (f.Bytes > s.WindowBytesMax && !f.Write && s.WindowBytes >= 4 * options.BytesMinimum && s.WindowBytes > 10 * s.WindowBytesMax && s.RateMean.Weight >= 5)
        {
            output.Add(new Contribution(Detectors.Baseline, RuleNames.BytesSpike, 75,
                $"read {Numbers.Bytes(s.WindowBytes)} in {windowText}; busiest window before {Numbers.Bytes(s.WindowBytesMax)}").Of(Policy.PolicyDetector.DataAccess(e.Resource?.Type)));
        }

        if (s.WindowCount > Math.Max(options.RateMinimum, options.SpikeFactor * s.RateMax))
        {
            output.Add(new Contribution(Detectors.Baseline, RuleNames.RateSpike, 65,
                $"{Numbers.Int(s.WindowCount)} requests in {windowText}; busiest window before {Numbers.One(s.RateMax)}, mean {Numbers.One(s.RateMean.Mean)}"));
        }

        if (f.NewInWindow && s.WindowResources.Count > Math.Max(options.BreadthMinimum, options.SpikeFactor * s.BreadthMax))
        {
            output.Add(new Contribution(Detectors.Baseline, RuleNames.BreadthSpike, 70,
                $"{Numbers.Int(s.WindowResources.Count)} distinct resources in {windowText}; before at most {Numbers.One(s.BreadthMax)}").Of(IsKubernetes(e) ? Techniques.ContainerDiscovery : Techniques.AutomatedCollection));
        }

        if (f.Denied)
        {
            DenialSpike(e, s, output);
        }

        if (f.Token != 0 && f.Workload != 0)
        {
            var i = s.TokenWorkloadIndex(f.Token);
            if (i >= 0 && s.TokenWorkload(i) != 0 && s.TokenWorkload(i) != f.Workload)
            {
                output.Add(new Contribution(Detectors.Baseline, RuleNames.TokenNewWorkload, 70,
                    $"token {e.Token!.Jti} used from workload {who.WorkloadId}, {Numbers.Int(s.Workloads.Count)} workloads known, not the one it was first used from").Of(Techniques.StolenToken));
            }
        }

        var novel = (f.NewWorkload ? 1 : 0) + (f.NewIp ? 1 : 0) + (f.NewAgent ? 1 : 0);
        // Deploys replace a service account's pods (new workload, address and version) at any hour, so the
        // new-source rules are for people; token binding and token reuse cover workloads.
        if (who.IsServiceAccount)
        {
            novel = 0;
        }

        if (novel > 0 && f.UnusualHour)
        {
            output.Add(new Contribution(Detectors.Baseline, novel >= 2 ? RuleNames.NewSourceUnusualHour : RuleNames.NewSource, novel >= 2 ? 80 : 35,
                $"{Sources(e, f)} at {Numbers.Hour(f.Hour)} UTC, an hour never active in {Numbers.Int(s.Events)} events ({ActiveHours(s)})").Of(Techniques.ValidAccounts));
        }
        else if (novel > 0 && s.Workloads.Count + s.Ips.Count > 0)
        {
            output.Add(new Contribution(Detectors.Baseline, RuleNames.NewSource, 5 * novel,
                $"{Sources(e, f)} ({Numbers.Int(s.Ips.Count)} addresses, {Numbers.Int(s.Agents.Count)} user agents known)").Of(Techniques.ValidAccounts));
        }
        else if (f.UnusualHour)
        {
            output.Add(new Contribution(Detectors.Baseline, RuleNames.UnusualHour, 25,
                $"active at {Numbers.Hour(f.Hour)} UTC, an hour never active in {Numbers.Int(s.Events)} events ({ActiveHours(s)})").Of(Techniques.ValidAccounts));
        }
    }

    /// <summary>
    /// A request counted when it arrived whose refusal a later stage told (<see cref="Scoring.RequestStages"/>): a denial of
    /// its window, if that window is still the current one, and not another request.
    /// </summary>
    public void CountDenial(AccessEvent e, PrincipalState s, List<Contribution> output)
    {
        var ticks = e.Time.UtcTicks;
        if (!string.Equals(e.Outcome, Outcomes.Denied, StringComparison.Ordinal) || s.WindowStartTicks == 0
            || ticks < s.WindowStartTicks || ticks >= s.WindowStartTicks + windowTicks)
        {
            return;
        }

        s.WindowDenied++;
        if (WarmedUp(s, ticks))
        {
            DenialSpike(e, s, output);
        }
    }

    private bool WarmedUp(PrincipalState s, long ticks) =>
        s.Events >= options.WarmUpEvents && ticks - s.FirstSeenTicks >= options.WarmUp.Ticks;

    private void DenialSpike(AccessEvent e, PrincipalState s, List<Contribution> output)
    {
        if (s.WindowDenied > Math.Max(options.DeniedMinimum, options.SpikeFactor * s.DeniedMax))
        {
            output.Add(new Contribution(Detectors.Baseline, RuleNames.DenialSpike, 75,
                $"{Numbers.Int(s.WindowDenied)} denied requests in {windowText} ({Numbers.Int(s.WindowDenied * 100 / Math.Max(1, s.WindowCount))}% of {Numbers.Int(s.WindowCount)}); before at most {Numbers.One(s.DeniedMax)}").Of(IsKubernetes(e) ? Techniques.ContainerDiscovery : AttackMapping.None));
        }
    }

    /// <summary>Folds the event into the principal's history. Magnitudes of an alerting event are kept out.</summary>
    public void Learn(AccessEvent e, PrincipalState s, PeerIndex peers, in EventFacts f, bool alerted)
    {
        var ticks = e.Time.UtcTicks;
        if (s.FirstSeenTicks == 0)
        {
            s.FirstSeenTicks = ticks;
        }

        s.LastSeenTicks = Math.Max(s.LastSeenTicks, ticks);
        s.Events++;
        s.HourCounts[f.Hour]++;
        if (f.Resource != 0 && !f.Denied)
        {
            s.Resources.Add(f.Resource);
        }

        if (f.DataClass != 0 && !f.Denied)
        {
            s.DataClasses.Add(f.DataClass);
            peers.Add(f.PeerGroup, f.DataClass);
        }

        if (f.Workload != 0)
        {
            s.Workloads.Add(f.Workload);
        }

        if (f.Ip != 0)
        {
            s.Ips.Add(f.Ip);
        }

        if (f.Agent != 0)
        {
            s.Agents.Add(f.Agent);
        }

        if (f.Token != 0 && s.TokenWorkloadIndex(f.Token) < 0)
        {
            s.RememberToken(f.Token, f.Workload);
        }

        if (f.Token != 0 && string.Equals(e.Kind, EventKinds.AuthLogout, StringComparison.Ordinal))
        {
            s.Revoke(f.Token, ticks);
        }

        if (alerted)
        {
            s.WindowAlerted = true;
            return;
        }

        if (f.Bytes > 0 && !f.Write && !f.Denied)
        {
            s.LogBytes.Add(Math.Log(f.Bytes), ticks, horizonTicks);
            s.RawBytes.Add(f.Bytes, ticks, horizonTicks);
        }
    }

    private void CloseWindow(PrincipalState s, long ticks)
    {
        if (s.WindowStartTicks != 0 && !s.WindowAlerted)
        {
            // Maxima decay by 1% per window so a one-off burst fades over weeks, not at once.
            s.RateMax = Math.Max(s.RateMax * 0.99, s.WindowCount);
            s.BreadthMax = Math.Max(s.BreadthMax * 0.99, s.WindowResources.Count);
            s.DeniedMax = Math.Max(s.DeniedMax * 0.99, s.WindowDenied);
            s.WindowBytesMax = Math.Max(s.WindowBytesMax * 0.99, s.WindowBytes);
            s.RateMean.Add(s.WindowCount, s.WindowStartTicks, horizonTicks);
        }

        s.WindowStartTicks = ticks - (ticks % windowTicks);
        s.WindowCount = 0;
        s.WindowDenied = 0;
        s.WindowBytes = 0;
        s.WindowAlerted = false;
        s.WindowResources.Clear();
    }

    /// <summary>Kubernetes API traffic: a spike there is enumeration of the cluster's objects (T1613).</summary>
    private static bool IsKubernetes(AccessEvent e) => string.Equals(e.Kind, EventKinds.K8sAudit, StringComparison.Ordinal);

    private static string Sources(AccessEvent e, in EventFacts f)
    {
        var parts = new List<string>(3);
        if (f.NewWorkload)
        {
            parts.Add("new workload " + e.Workload!.Id);
        }

        if (f.NewIp)
        {
            parts.Add("new address " + e.Network!.SrcIp);
        }

        if (f.NewAgent)
        {
            parts.Add("new user agent " + e.UserAgent);
        }

        return string.Join(", ", parts);
    }

    private static string ActiveHours(PrincipalState s)
    {
        int first = -1, last = -1;
        for (var h = 0; h < 24; h++)
        {
            if (s.HourCounts[h] > 0)
            {
                first = first < 0 ? h : first;
                last = h;
            }
        }

        return first < 0 ? "no active hours" : $"active hours {Numbers.Hour(first)}–{Numbers.Hour(last)}";
    }
}
