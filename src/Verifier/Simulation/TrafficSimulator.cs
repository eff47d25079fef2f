namespace ZtStream.Verifier.Simulation;

/// <summary>Parameters of a simulation; equal parameters give byte-identical traffic.</summary>
internal sealed record SimulationOptions
{
    public int Principals { get; init; } = 200;

    public int Days { get; init; } = 2;

    public int Seed { get; init; } = 1;

    public IReadOnlyList<string> Scenarios { get; init; } = Simulation.Scenarios.All;

    /// <summary>Midnight UTC of the first simulated day (a Monday).</summary>
    public DateTimeOffset Start { get; init; } = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>
/// Realistic container traffic for the default policy's world (docs/policy.md): services calling services and
/// reading their data classes around the clock with a daily rhythm, users working office hours through login
/// sessions, nightly batch jobs reading in noisy bursts, deploys that bring new pods and touch new resources,
/// SREs exec-ing into pods, a CI/CD account changing RBAC — and the injected attacks with their labels.
/// Deterministic by seed; events come out in time order, one day at a time, so it can be streamed live.
/// </summary>
internal sealed class TrafficSimulator
{
    public static readonly string[] Namespaces = ["frontend", "checkout", "catalog", "payments", "orders", "identity", "search", "analytics", "reporting", "shipping"];

    /// <summary>Which namespaces each namespace calls (mirrors the default policy's segmentation).</summary>
    public static readonly Dictionary<string, string[]> Calls = new(StringComparer.Ordinal)
    {
        ["frontend"] = ["checkout", "catalog", "search", "identity"],
        ["checkout"] = ["payments", "orders", "identity", "shipping"],
        ["catalog"] = ["search"],
        ["payments"] = ["identity"],
        ["orders"] = ["shipping", "payments"],
        ["identity"] = [],
        ["search"] = ["catalog"],
        ["analytics"] = ["orders", "catalog"],
        ["reporting"] = ["analytics", "orders"],
        ["shipping"] = ["orders"],
    };

    private static readonly Dictionary<string, string[]> ClassesOf = new(StringComparer.Ordinal)
    {
        ["frontend"] = ["public/content", "internal/sessions"],
        ["checkout"] = ["internal/orders", "confidential/customers"],
        ["catalog"] = ["public/content", "internal/catalog"],
        ["payments"] = ["confidential/payments", "confidential/customers"],
        ["orders"] = ["internal/orders", "confidential/customers"],
        ["identity"] = ["confidential/credentials", "confidential/customers"],
        ["search"] = ["internal/catalog", "public/content"],
        ["analytics"] = ["internal/analytics", "internal/orders"],
        ["reporting"] = ["internal/analytics", "internal/finance"],
        ["shipping"] = ["internal/orders", "internal/shipping"],
    };

    private static readonly string[] UserClasses = ["public/content", "internal/catalog", "internal/analytics", "confidential/customers", "internal/shipping"];

    private static readonly string[] Browsers =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1",
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edge/131.0",
    ];

    private readonly SimulationOptions options;
    private readonly Random rng;
    private readonly List<Actor> actors = [];
    private readonly Dictionary<int, List<Injection>> injections = [];
    private readonly List<ScenarioLabel> labels = [];
    private long sequence;

    public TrafficSimulator(SimulationOptions options)
    {
        this.options = options;
        rng = new Random(options.Seed);
        Populate();
        PlanAttacks();
    }

    /// <summary>Ground truth, complete once <see cref="Generate"/> has been enumerated to the end.</summary>
    public IReadOnlyList<ScenarioLabel> Labels => labels;

    public int PrincipalCount => actors.Count;

    /// <summary>The principal each planned scenario targets.</summary>
    public IReadOnlyDictionary<string, string> Targets { get; private set; } = new Dictionary<string, string>();

    public IEnumerable<SimulatedEvent> Generate()
    {
        var day = new List<(long Ticks, long Seq, SimulatedEvent Event)>(actors.Count * 64);
        for (var d = 0; d < options.Days; d++)
        {
            day.Clear();
            var dayStart = options.Start.AddDays(d);
            foreach (var a in actors)
            {
                switch (a.Kind)
                {
                    case ActorKind.Service:
                        ServiceDay(a, d, dayStart, day);
                        break;
                    case ActorKind.User:
                        UserDay(a, d, dayStart, day);
                        break;
                    case ActorKind.Batch:
                        BatchDay(a, dayStart, day);
                        break;
                }
            }

            if (injections.TryGetValue(d, out var todays))
            {
                foreach (var inj in todays)
                {
                    Inject(inj, day);
                }
            }

            day.Sort((x, y) => x.Ticks != y.Ticks ? x.Ticks.CompareTo(y.Ticks) : x.Seq.CompareTo(y.Seq));
            foreach (var item in day)
            {
                yield return item.Event;
            }
        }
    }

    private void Populate()
    {
        var n = Math.Max(options.Principals, 20);
        var users = n * 3 / 10;
        var batch = Math.Max(2, n / 20);
        var services = n - users - batch - 1;
        for (var i = 0; i < services; i++)
        {
            var ns = Namespaces[i % Namespaces.Length];
            var name = $"{ns}-svc-{i:D4}";
            var a = new Actor(ActorKind.Service, $"system:serviceaccount:{ns}:{name}", ns, name)
            {
                DailyEvents = 20 + rng.Next(50),
                MedianBytes = Math.Exp(9 + (rng.NextDouble() * 5)),
                Version = 1 + rng.Next(9),
                DeployDay = rng.NextDouble() < 0.35 ? 1 + rng.Next(Math.Max(1, options.Days - 1)) : -1,
                ReadsOwnSecrets = rng.NextDouble() < 0.2,
            };
            var classes = ClassesOf[ns];
            a.Classes.Add(classes[0]);
            if (rng.NextDouble() < 0.6)
            {
                a.Classes.Add(classes[1]);
            }

            var resources = 5 + rng.Next(20);
            for (var r = 0; r < resources; r++)
            {
                a.Resources.Add($"{ns}/tbl-{rng.Next(60):D2}");
            }

            NewPods(a, 2 + rng.Next(2));
            actors.Add(a);
        }

        for (var i = 0; i < users; i++)
        {
            var sre = i % 25 == 0;
            var name = sre ? $"sre-{i:D4}" : $"u{i:D4}";
            var a = new Actor(ActorKind.User, $"user:{name}", null, name)
            {
                DailyEvents = 15 + rng.Next(30),
                MedianBytes = Math.Exp(8 + (rng.NextDouble() * 3)),
                ShiftStart = 7 + rng.Next(3),
                ShiftLength = 8 + rng.Next(2),
                Agent = Browsers[rng.Next(Browsers.Length)],
                IsSre = sre,
            };
            a.Ips.Add($"192.168.{rng.Next(256)}.{1 + rng.Next(250)}");
            a.Ips.Add($"10.200.{rng.Next(256)}.{1 + rng.Next(250)}");
            var home = Namespaces[rng.Next(Namespaces.Length)];
            a.Classes.Add(UserClasses[rng.Next(UserClasses.Length)]);
            a.Classes.Add("internal/orders");
            for (var r = 0; r < 10 + rng.Next(10); r++)
            {
                a.Resources.Add($"/api/{home}/{rng.Next(40):D2}");
            }

            actors.Add(a);
        }

        for (var i = 0; i < batch; i++)
        {
            var ns = i % 2 == 0 ? "analytics" : "reporting";
            var name = $"{ns}-batch-{i:D3}";
            var a = new Actor(ActorKind.Batch, $"system:serviceaccount:{ns}:{name}", ns, name)
            {
                DailyEvents = 150 + rng.Next(350),
                MedianBytes = Math.Exp(13 + (rng.NextDouble() * 2)),
                ShiftStart = 1 + rng.Next(3),
                Version = 1,
            };
            a.Classes.AddRange(ClassesOf[ns]);
            for (var r = 0; r < 80; r++)
            {
                a.Resources.Add($"{ns}/part-{r:D3}");
            }

            NewPods(a, 1);
            actors.Add(a);
        }

        var deployer = new Actor(ActorKind.Service, "system:serviceaccount:cicd:deployer", "cicd", "deployer")
        {
            DailyEvents = 12,
            MedianBytes = 4096,
            Version = 3,
            IsDeployer = true,
        };
        deployer.Classes.Add("internal/deployments");
        deployer.Resources.Add("cicd/pipelines");
        NewPods(deployer, 1);
        actors.Add(deployer);
    }

    private void PlanAttacks()
    {
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        var used = new HashSet<Actor>();
        var first = Math.Max(1.0, options.Days * 0.4);
        foreach (var scenario in options.Scenarios)
        {
            Actor? target = null;
            for (var tries = 0; tries < 10_000 && target is null; tries++)
            {
                var c = actors[rng.Next(actors.Count)];
                if (!used.Contains(c) && Fits(scenario, c))
                {
                    target = c;
                }
            }

            if (target is null)
            {
                continue;
            }

            used.Add(target);
            targets[scenario] = target.Principal;

            // Attacks start after the warm-up, on a whole day so each day's traffic stays one sorted batch.
            var at = first + (rng.NextDouble() * (options.Days - first - 0.2));
            var day = (int)Math.Floor(at);
            var when = options.Start.AddDays(day);
            when = scenario == Scenarios.NewSourceUnusualHour
                ? when.AddHours(3).AddMinutes(rng.Next(40))
                : when.AddHours(target.Kind == ActorKind.User ? target.ShiftStart + 2 + rng.Next(4) : 9 + rng.Next(10)).AddMinutes(rng.Next(60));
            if (!injections.TryGetValue(day, out var list))
            {
                list = [];
                injections[day] = list;
            }

            list.Add(new Injection(scenario, target, when));
        }

        Targets = targets;
    }

    private static bool Fits(string scenario, Actor a) => scenario switch
    {
        Scenarios.PodExec or Scenarios.NewSourceUnusualHour or Scenarios.RevokedTokenUse => a.Kind == ActorKind.User && !a.IsSre,
        Scenarios.LateralMovement => a.Kind == ActorKind.Service && a.Namespace == "frontend",
        Scenarios.BulkExfiltration => a.Kind == ActorKind.Service && a.Classes.Exists(c => c.StartsWith("confidential/", StringComparison.Ordinal)),
        _ => a.Kind == ActorKind.Service && !a.IsDeployer,
    };

    private void Inject(Injection inj, List<(long, long, SimulatedEvent)> day)
    {
        var ids = new List<string>();
        Scenario scenario = inj.Scenario switch
        {
            Scenarios.StolenTokenReplay => StolenTokenReplay,
            Scenarios.BulkExfiltration => BulkExfiltration,
            Scenarios.FirstTimeDataClass => FirstTimeDataClass,
            Scenarios.RbacPrivilegeEscalation => RbacPrivilegeEscalation,
            Scenarios.SecretsEnumeration => SecretsEnumeration,
            Scenarios.PodExec => PodExec,
            Scenarios.DenialSpike => DenialSpike,
            Scenarios.NewSourceUnusualHour => NewSourceUnusualHour,
            Scenarios.LateralMovement => LateralMovement,
            Scenarios.RevokedTokenUse => RevokedTokenUse,
            _ => throw new ArgumentOutOfRangeException(nameof(inj), inj.Scenario, "not a scenario"),
        };
        scenario(
            inj.Target,
            inj.At,
            e =>
            {
                ids.Add(e.Id);
                day.Add((e.Time.UtcTicks, sequence, new SimulatedEvent(e, inj.Scenario)));
            },
            e => day.Add((e.Time.UtcTicks, sequence, new SimulatedEvent(e, null))));
        labels.Add(new ScenarioLabel(inj.Scenario, inj.Target.Principal, inj.At, ids));
    }

    /// <summary>A service's token replayed from an attacker's pod with a different client.</summary>
    private void StolenTokenReplay(Actor a, DateTimeOffset t, Action<AccessEvent> emit, Action<AccessEvent> background)
    {
        var pod = a.Pods[0];
        var attacker = new Workload { Id = "default/debug-tools-7f9c", Name = "debug-tools-7f9c", Namespace = "default", ServiceAccount = "default", Image = "alpine:3.19" };
        for (var i = 0; i < 5; i++)
        {
            emit(EventFrom(t.AddSeconds(i * 20), EventKinds.AccessData, a, attacker, TokenFor(a, pod, t),
                new ResourceRef { Type = "table", Id = a.Resources[i % a.Resources.Count], DataClass = a.Classes[0] }, "read", Outcomes.Success, (long)(a.MedianBytes * 2), "10.99.3.17", "curl/8.5.0"));
        }
    }

    /// <summary>A service reads confidential tables in volumes far above its baseline.</summary>
    private void BulkExfiltration(Actor a, DateTimeOffset t, Action<AccessEvent> emit, Action<AccessEvent> background)
    {
        var pod = a.Pods[0];
        var cls = a.Classes.Find(c => c.StartsWith("confidential/", StringComparison.Ordinal))!;
        for (var i = 0; i < 6; i++)
        {
            emit(Event(t.AddSeconds(i * 45), EventKinds.AccessData, a, pod, TokenFor(a, pod, t),
                new ResourceRef { Type = "table", Id = a.Resources[i % a.Resources.Count], DataClass = cls }, "read", Outcomes.Success,
                (long)(300e6 + (rng.NextDouble() * 1.7e9)), pod.Ip, a.ServiceAgent));
        }
    }

    /// <summary>A service reads a data class (payroll) it never touched.</summary>
    private void FirstTimeDataClass(Actor a, DateTimeOffset t, Action<AccessEvent> emit, Action<AccessEvent> background)
    {
        var pod = a.Pods[0];
        for (var i = 0; i < 3; i++)
        {
            emit(Event(t.AddMinutes(i * 3), EventKinds.AccessData, a, pod, TokenFor(a, pod, t),
                new ResourceRef { Type = "table", Id = $"payroll/salaries-{i}", DataClass = "restricted/payroll" }, "read", Outcomes.Success,
                (long)a.MedianBytes, pod.Ip, a.ServiceAgent));
        }
    }

    /// <summary>A service account creates a cluster role and binds itself to cluster-admin.</summary>
    private void RbacPrivilegeEscalation(Actor a, DateTimeOffset t, Action<AccessEvent> emit, Action<AccessEvent> background)
    {
        var pod = a.Pods[0];
        var body = JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["kind"] = "ClusterRoleBinding",
            ["metadata"] = new Dictionary<string, string> { ["name"] = $"{a.Name}-admin" },
            ["roleRef"] = new Dictionary<string, string> { ["kind"] = "ClusterRole", ["name"] = "cluster-admin" },
            ["subjects"] = new[] { new Dictionary<string, string> { ["kind"] = "ServiceAccount", ["name"] = a.Name, ["namespace"] = a.Namespace! } },
        });
        emit(Audit(t, a, pod, "clusterroles", "escalated-" + a.Name, "create", 201));
        emit(Audit(t.AddSeconds(5), a, pod, "clusterrolebindings", $"{a.Name}-admin", "create", 201, body));
    }

    /// <summary>A service account lists and reads secrets across namespaces.</summary>
    private void SecretsEnumeration(Actor a, DateTimeOffset t, Action<AccessEvent> emit, Action<AccessEvent> background)
    {
        var pod = a.Pods[0];
        for (var i = 0; i < 30; i++)
        {
            var ns = Namespaces[i % Namespaces.Length];
            emit(Audit(t.AddSeconds(i * 3), a, pod, "secrets", $"{ns}/{ns}-credentials-{i / Namespaces.Length}", i % 3 == 0 ? "list" : "get", 200));
        }
    }

    /// <summary>A user execs into a payments pod.</summary>
    private void PodExec(Actor a, DateTimeOffset t, Action<AccessEvent> emit, Action<AccessEvent> background)
    {
        var target = actors.Find(x => x.Kind == ActorKind.Service && x.Namespace == "payments")!;
        emit(Exec(t, a, target.Pods[0], a.Ips[0]));
    }

    /// <summary>A service probes admin routes across namespaces and is denied again and again.</summary>
    private void DenialSpike(Actor a, DateTimeOffset t, Action<AccessEvent> emit, Action<AccessEvent> background)
    {
        var pod = a.Pods[0];
        for (var i = 0; i < 60; i++)
        {
            var ns = Namespaces[i % Namespaces.Length];
            emit(Event(t.AddSeconds(i * 3), EventKinds.AccessRequest, a, pod, TokenFor(a, pod, t),
                new ResourceRef { Type = "http_route", Id = $"/internal/{ns}/admin/{i}" }, "GET", Outcomes.Denied, null, pod.Ip, a.ServiceAgent) with { Status = 403 });
        }
    }

    /// <summary>A user logs in from a new address with a scripted client and reads at once.</summary>
    private void NewSourceUnusualHour(Actor a, DateTimeOffset t, Action<AccessEvent> emit, Action<AccessEvent> background)
    {
        var token = new TokenInfo { Jti = Id("jti"), ClientId = "portal", IssuedAt = t, ExpiresAt = t.AddHours(8), SessionId = Id("sid") };
        emit(Event(t, EventKinds.AuthLogin, a, null, token, null, "login", Outcomes.Success, null, "185.220.101.47", "python-requests/2.32"));
        for (var i = 0; i < 6; i++)
        {
            emit(Event(t.AddMinutes(1 + i), EventKinds.AccessRequest, a, null, token,
                new ResourceRef { Type = "http_route", Id = a.Resources[i % a.Resources.Count], DataClass = a.Classes[i % a.Classes.Count] }, "GET", Outcomes.Success,
                (long)a.MedianBytes, "185.220.101.47", "python-requests/2.32"));
        }
    }

    /// <summary>A frontend service calls services the segmentation does not allow it to.</summary>
    private void LateralMovement(Actor a, DateTimeOffset t, Action<AccessEvent> emit, Action<AccessEvent> background)
    {
        var pod = a.Pods[0];
        var targets = new[] { "payments/ledger", "identity/admin-api", "orders/internal" };
        for (var i = 0; i < 3; i++)
        {
            emit(Event(t.AddSeconds(i * 30), EventKinds.AccessRequest, a, pod, TokenFor(a, pod, t),
                new ResourceRef { Type = "service", Id = targets[i] }, "POST", Outcomes.Success, 2048, pod.Ip, a.ServiceAgent));
        }
    }

    /// <summary>A user's token is used again after its session was logged out.</summary>
    private void RevokedTokenUse(Actor a, DateTimeOffset t, Action<AccessEvent> emit, Action<AccessEvent> background)
    {
        var token = new TokenInfo { Jti = Id("jti"), ClientId = "portal", IssuedAt = t.AddHours(-1), ExpiresAt = t.AddHours(7), SessionId = Id("sid") };
        var ip = a.Ips[0];
        background(Event(t.AddHours(-1), EventKinds.AuthLogin, a, null, token, null, "login", Outcomes.Success, null, ip, a.Agent));
        background(Event(t.AddMinutes(-30), EventKinds.AuthLogout, a, null, token, null, "logout", Outcomes.Success, null, ip, a.Agent));
        for (var i = 0; i < 3; i++)
        {
            emit(Event(t.AddMinutes(i), EventKinds.AccessRequest, a, null, token,
                new ResourceRef { Type = "http_route", Id = a.Resources[i % a.Resources.Count], DataClass = a.Classes[0] }, "GET", Outcomes.Success,
                (long)a.MedianBytes, "203.0.113.50", a.Agent));
        }
    }

    private void ServiceDay(Actor a, int d, DateTimeOffset dayStart, List<(long, long, SimulatedEvent)> day)
    {
        if (a.DeployDay == d)
        {
            // A deploy: new pods, a new version, and resources the new release reads for the first time.
            var deployAt = dayStart.AddHours(10 + rng.Next(6));
            a.OldPods.Clear();
            a.OldPods.AddRange(a.Pods);
            a.OldVersion = a.Version;
            a.Version++;
            NewPods(a, a.Pods.Count, deployAt);
            for (var i = 0; i < 1 + rng.Next(3); i++)
            {
                a.Resources.Add($"{a.Namespace}/tbl-new-{a.Version}-{i}");
            }
        }

        var count = Poisson(a.DailyEvents);
        for (var i = 0; i < count; i++)
        {
            var t = dayStart.AddSeconds(DailyRhythmSecond(0.4));
            var pod = a.PodAt(t);
            var token = TokenFor(a, pod, t);
            var roll = rng.NextDouble();
            AccessEvent e;
            if (a.IsDeployer)
            {
                e = roll < 0.3
                    ? Audit(t, a, pod, "rolebindings", $"{Namespaces[rng.Next(Namespaces.Length)]}/app-readers", "patch", 200)
                    : Audit(t, a, pod, "deployments", $"{Namespaces[rng.Next(Namespaces.Length)]}/app", "patch", 200);
            }
            else if (roll < 0.25 && Calls[a.Namespace!].Length > 0)
            {
                var targets = Calls[a.Namespace!];
                var to = targets[rng.Next(targets.Length)];
                e = Event(t, EventKinds.AccessRequest, a, pod, token, new ResourceRef { Type = "service", Id = $"{to}/api" }, "POST",
                    rng.NextDouble() < 0.005 ? Outcomes.Denied : Outcomes.Success, 512 + rng.Next(4096), pod.Ip, a.AgentAt(t));
            }
            else if (roll < 0.28 && a.ReadsOwnSecrets)
            {
                e = Audit(t, a, pod, "secrets", $"{a.Namespace}/{a.Name}-config", "get", 200);
            }
            else
            {
                var res = a.Resources[rng.Next(a.Resources.Count)];
                var write = rng.NextDouble() < 0.15;
                e = Event(t, EventKinds.AccessData, a, pod, token,
                    new ResourceRef { Type = "table", Id = res, DataClass = a.Classes[(int)(StableHash.Of(res) % (ulong)a.Classes.Count)] },
                    write ? "write" : "read", rng.NextDouble() < 0.003 ? Outcomes.Denied : Outcomes.Success, LogNormal(a.MedianBytes, 0.8), pod.Ip, a.AgentAt(t));
            }

            day.Add((e.Time.UtcTicks, sequence, new SimulatedEvent(e, null)));
        }
    }

    private void UserDay(Actor a, int d, DateTimeOffset dayStart, List<(long, long, SimulatedEvent)> day)
    {
        var weekend = dayStart.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
        if (weekend && rng.NextDouble() > 0.15)
        {
            return;
        }

        var sessions = 1 + rng.Next(2);
        var ip = a.Ips[rng.NextDouble() < 0.8 ? 0 : 1];
        if (d > 0 && rng.NextDouble() < 0.04)
        {
            // Working from somewhere new (within office hours): a new address, nothing else unusual.
            ip = $"100.64.{rng.Next(256)}.{1 + rng.Next(250)}";
        }

        var perSession = Math.Max(3, Poisson(a.DailyEvents) / sessions);
        for (var s = 0; s < sessions; s++)
        {
            var start = dayStart.AddHours(a.ShiftStart + (s * a.ShiftLength / 2.0) + (rng.NextDouble() * 1.5));
            var length = TimeSpan.FromHours((a.ShiftLength / (double)sessions) - 1);
            var token = new TokenInfo { Jti = Id("jti"), ClientId = "portal", IssuedAt = start, ExpiresAt = start.AddHours(10), SessionId = Id("sid") };
            Add(day, Event(start, EventKinds.AuthLogin, a, null, token, null, "login", Outcomes.Success, null, ip, a.Agent));
            Add(day, Event(start.AddMilliseconds(200), EventKinds.AuthTokenIssued, a, null, token, null, "issue", Outcomes.Success, null, ip, a.Agent));
            var last = start;
            for (var i = 0; i < perSession; i++)
            {
                var t = start.AddSeconds(5 + (rng.NextDouble() * length.TotalSeconds));
                last = t > last ? t : last;
                var res = a.Resources[rng.Next(a.Resources.Count)];
                Add(day, Event(t, EventKinds.AccessRequest, a, null, token,
                    new ResourceRef { Type = "http_route", Id = res, DataClass = a.Classes[rng.Next(a.Classes.Count)] },
                    rng.NextDouble() < 0.1 ? "POST" : "GET", rng.NextDouble() < 0.01 ? Outcomes.Denied : Outcomes.Success, LogNormal(a.MedianBytes, 0.7), ip, a.Agent));
            }

            if (a.IsSre && rng.NextDouble() < 0.5)
            {
                var target = actors[rng.Next(actors.Count)];
                if (target.Pods.Count > 0)
                {
                    Add(day, Exec(last.AddSeconds(30), a, target.Pods[0], ip));
                }
            }

            Add(day, Event(last.AddMinutes(2), EventKinds.AuthLogout, a, null, token, null, "logout", Outcomes.Success, null, ip, a.Agent));
        }
    }

    private void BatchDay(Actor a, DateTimeOffset dayStart, List<(long, long, SimulatedEvent)> day)
    {
        // One nightly run: a noisy burst of big reads over many partitions, sized ±50% night to night.
        var start = dayStart.AddHours(a.ShiftStart).AddMinutes(rng.Next(30));
        var n = (int)(a.DailyEvents * (0.6 + (rng.NextDouble() * 0.8)));
        var span = 600 + rng.Next(900);
        var pod = a.PodAt(start);
        for (var i = 0; i < n; i++)
        {
            var t = start.AddSeconds(rng.NextDouble() * span);
            var res = a.Resources[rng.Next(a.Resources.Count)];
            Add(day, Event(t, EventKinds.AccessData, a, pod, TokenFor(a, pod, t),
                new ResourceRef { Type = "table", Id = res, DataClass = a.Classes[rng.Next(a.Classes.Count)] }, "read", Outcomes.Success,
                LogNormal(a.MedianBytes, 1.0), pod.Ip, a.ServiceAgent));
        }

        // A few daytime status checks.
        for (var i = 0; i < 4; i++)
        {
            var t = dayStart.AddHours(8 + (i * 3)).AddMinutes(rng.Next(60));
            Add(day, Event(t, EventKinds.AccessRequest, a, pod, TokenFor(a, pod, t), new ResourceRef { Type = "http_route", Id = "/status" }, "GET", Outcomes.Success, 300, pod.Ip, a.ServiceAgent));
        }
    }

    private void Add(List<(long, long, SimulatedEvent)> day, AccessEvent e) => day.Add((e.Time.UtcTicks, sequence, new SimulatedEvent(e, null)));

    private AccessEvent Audit(DateTimeOffset t, Actor a, Pod pod, string type, string id, string verb, int status, JsonElement? body = null)
    {
        var attrs = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["k8s.stage"] = JsonSerializer.SerializeToElement("ResponseComplete"),
        };
        if (body is { } b)
        {
            attrs["k8s.request_object"] = b;
        }

        var e = Event(t, EventKinds.K8sAudit, a, pod, null, new ResourceRef { Type = type, Id = id }, verb,
            status is 401 or 403 ? Outcomes.Denied : Outcomes.Success, null, pod.Ip, $"{a.Name}/v1.{a.Version} (linux/amd64) kubernetes/client-go") with
        { Status = status, Attributes = attrs };
        return WithAuditEvent(e, body);
    }

    /// <summary>An exec into a pod through the API server (kubectl exec), as the API server audits it.</summary>
    private AccessEvent Exec(DateTimeOffset t, Actor a, Pod target, string ip) =>
        WithAuditEvent(Event(t, EventKinds.K8sAudit, a, null, null, new ResourceRef { Type = "pods/exec", Id = target.Id }, "create", Outcomes.Success, null, ip,
            "kubectl/v1.31.0 (linux/amd64)") with { Status = 101 }, body: null);

    /// <summary>
    /// Keeps beside a simulated audit event the audit.k8s.io/v1 Event the API server would have sent, as Ingest's audit
    /// adapter does (<see cref="AccessEvent.Raw"/>), so rules written over the native Event see simulated traffic too.
    /// </summary>
    private static AccessEvent WithAuditEvent(AccessEvent e, JsonElement? body)
    {
        var type = e.Resource!.Type!;
        var slash = type.IndexOf('/', StringComparison.Ordinal);
        var id = e.Resource.Id ?? "";
        var idSlash = id.IndexOf('/', StringComparison.Ordinal);
        var objectRef = new Dictionary<string, string> { ["resource"] = slash < 0 ? type : type[..slash], ["apiVersion"] = "v1" };
        if (slash >= 0)
        {
            objectRef["subresource"] = type[(slash + 1)..];
        }

        if (idSlash > 0)
        {
            objectRef["namespace"] = id[..idSlash];
        }

        if (id[(idSlash + 1)..] is { Length: > 0 } name)
        {
            objectRef["name"] = name;
        }

        var raw = new Dictionary<string, object?>
        {
            ["kind"] = "Event",
            ["apiVersion"] = "audit.k8s.io/v1",
            ["level"] = body is null ? "Metadata" : "Request",
            ["auditID"] = e.Id,
            ["stage"] = e.Status == 101 ? "ResponseStarted" : "ResponseComplete",
            ["verb"] = e.Action,
            ["user"] = new Dictionary<string, object> { ["username"] = e.Subject!.Id!, ["groups"] = new[] { "system:authenticated" } },
            ["sourceIPs"] = new[] { e.Network?.SrcIp },
            ["userAgent"] = e.UserAgent,
            ["objectRef"] = objectRef,
            ["responseStatus"] = new Dictionary<string, int?> { ["code"] = e.Status },
            ["requestReceivedTimestamp"] = e.Time.ToString("O", CultureInfo.InvariantCulture),
        };
        if (body is { } b)
        {
            raw["requestObject"] = b;
        }

        return e with { Raw = JsonSerializer.SerializeToElement(raw) };
    }

    private AccessEvent Event(DateTimeOffset t, string kind, Actor a, Pod? pod, TokenInfo? token, ResourceRef? resource, string action, string outcome, long? bytes, string? ip, string? agent) =>
        EventFrom(t, kind, a, pod is null ? null : new Workload { Id = pod.Id, Name = pod.Name, Namespace = a.Namespace, ServiceAccount = a.Name, Image = $"registry.local/{a.Name}:1.{a.Version}", Node = pod.Node },
            token, resource, action, outcome, bytes, ip, agent);

    private AccessEvent EventFrom(DateTimeOffset t, string kind, Actor a, Workload? workload, TokenInfo? token, ResourceRef? resource, string action, string outcome, long? bytes, string? ip, string? agent)
    {
        sequence++;
        return new AccessEvent
        {
            Id = string.Create(CultureInfo.InvariantCulture, $"ev-{options.Seed}-{sequence:x8}"),
            Time = t,
            Source = "simulator",
            Kind = kind,
            Subject = new Subject { Id = a.Principal, Type = a.Kind == ActorKind.User ? "user" : "service_account", Tenant = "acme" },
            Token = token,
            Workload = workload,
            Network = ip is null ? null : new NetworkInfo { SrcIp = ip },
            Resource = resource,
            Action = action,
            Outcome = outcome,
            Bytes = bytes,
            UserAgent = agent,
        };
    }

    private TokenInfo TokenFor(Actor a, Pod pod, DateTimeOffset t)
    {
        // Projected service-account tokens: one per pod, rotated hourly, bound to the pod.
        var hour = t.UtcTicks / TimeSpan.TicksPerHour;
        if (pod.TokenHour != hour)
        {
            var issued = new DateTimeOffset(hour * TimeSpan.TicksPerHour, TimeSpan.Zero);
            pod.TokenHour = hour;
            pod.Token = new TokenInfo { Jti = Id("jti"), ClientId = a.Name, IssuedAt = issued, ExpiresAt = issued.AddHours(1).AddMinutes(10), BoundWorkload = pod.Id };
        }

        return pod.Token!;
    }

    private void NewPods(Actor a, int count, DateTimeOffset? from = null)
    {
        a.Pods.Clear();
        for (var i = 0; i < count; i++)
        {
            var suffix = Convert.ToHexStringLower(BitConverter.GetBytes(rng.NextInt64()))[..10];
            var name = $"{a.Name}-{suffix[..5]}-{suffix[5..]}";
            a.Pods.Add(new Pod($"{a.Namespace}/{name}", name, $"10.{1 + (Array.IndexOf(Namespaces, a.Namespace) & 0x3f)}.{rng.Next(256)}.{1 + rng.Next(250)}", $"node-{rng.Next(12)}"));
        }

        a.PodsFrom = from ?? options.Start;
    }

    private string Id(string prefix)
    {
        sequence++;
        return string.Create(CultureInfo.InvariantCulture, $"{prefix}-{options.Seed}-{sequence:x8}");
    }

    /// <summary>A second of the day drawn from a daily rhythm: busier in the working day, quieter (not idle) at night.</summary>
    private double DailyRhythmSecond(double nightLevel)
    {
        while (true)
        {
            var s = rng.NextDouble() * 86_400;
            var hour = s / 3600;
            var level = nightLevel + ((1 - nightLevel) * Math.Max(0, Math.Sin((hour - 6) / 16 * Math.PI)));
            if (rng.NextDouble() < level)
            {
                return s;
            }
        }
    }

    private long LogNormal(double median, double sigma)
    {
        var u1 = 1 - rng.NextDouble();
        var u2 = rng.NextDouble();
        var z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return (long)Math.Max(64, median * Math.Exp(sigma * z));
    }

    private int Poisson(double mean)
    {
        // Normal approximation is plenty for daily counts.
        var u1 = 1 - rng.NextDouble();
        var u2 = rng.NextDouble();
        var z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        return Math.Max(1, (int)Math.Round(mean + (Math.Sqrt(mean) * z)));
    }

    private enum ActorKind
    {
        Service,
        User,
        Batch,
    }

    private sealed class Pod(string id, string name, string ip, string node)
    {
        public string Id { get; } = id;

        public string Name { get; } = name;

        public string Ip { get; } = ip;

        public string Node { get; } = node;

        public long TokenHour { get; set; } = -1;

        public TokenInfo? Token { get; set; }
    }

    private sealed class Actor(ActorKind kind, string principal, string? ns, string name)
    {
        public ActorKind Kind { get; } = kind;

        public string Principal { get; } = principal;

        public string? Namespace { get; } = ns;

        public string Name { get; } = name;

        public List<string> Classes { get; } = [];

        public List<string> Resources { get; } = [];

        public List<Pod> Pods { get; } = [];

        public List<Pod> OldPods { get; } = [];

        public DateTimeOffset PodsFrom { get; set; }

        public List<string> Ips { get; } = [];

        public int DailyEvents { get; init; }

        public double MedianBytes { get; init; }

        public int Version { get; set; }

        public int DeployDay { get; init; } = -1;

        public bool ReadsOwnSecrets { get; init; }

        public bool IsDeployer { get; init; }

        public bool IsSre { get; init; }

        public int ShiftStart { get; init; }

        public int ShiftLength { get; init; }

        public string? Agent { get; init; }

        public string ServiceAgent => $"{Name}/1.{Version}";

        public string AgentAt(DateTimeOffset t) => BeforeDeploy(t) ? $"{Name}/1.{OldVersion}" : ServiceAgent;

        public int OldVersion { get; set; }

        /// <summary>Before today's deploy the old pods (and version) still serve.</summary>
        public bool BeforeDeploy(DateTimeOffset t) => t < PodsFrom && OldPods.Count > 0;

        public Pod PodAt(DateTimeOffset t)
        {
            var pods = BeforeDeploy(t) ? OldPods : Pods;
            return pods[(int)((t.UtcTicks / TimeSpan.TicksPerSecond) % pods.Count)];
        }
    }

    private sealed record Injection(string Scenario, Actor Target, DateTimeOffset At);

    /// <summary>What one scenario does to its target from a time: <c>emit</c> the attack's own events (labelled), <c>background</c> the benign events it builds on.</summary>
    private delegate void Scenario(Actor target, DateTimeOffset at, Action<AccessEvent> emit, Action<AccessEvent> background);
}
