namespace ZtStream.Verifier.Policy;

/// <summary>The deterministic rules of the zero-trust policy. Violations score high and name the rule.</summary>
internal sealed class PolicyDetector(ZeroTrustPolicy policy)
{
    private readonly Dictionary<string, DataClassRule> dataClasses =
        policy.DataClasses.ToDictionary(d => d.Name, StringComparer.Ordinal);

    private readonly Dictionary<string, SegmentationRule> segmentation =
        policy.Segmentation.Rules.GroupBy(r => r.From, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    public ZeroTrustPolicy Policy => policy;

    public void Evaluate(AccessEvent e, in Identity who, PrincipalState state, List<Contribution> output)
    {
        var resource = e.Resource;
        if (resource?.DataClass is { } dc && dataClasses.TryGetValue(dc, out var rule))
        {
            var write = IsWrite(e.Action);
            var allowed = write ? rule.Write : rule.Read;
            if (allowed is not null && !who.In(allowed) && !string.Equals(e.Outcome, Outcomes.Denied, StringComparison.Ordinal))
            {
                output.Add(new Contribution(Detectors.Policy, RuleNames.DataClass, write ? 85 : 80,
                    $"{who.Describe()} {(write ? "wrote" : "read")} {dc} ({resource.Type} {resource.Id}); policy data_classes[{dc}].{(write ? "write" : "read")} does not allow it").Of(DataAccess(resource.Type)));
            }
        }

        CheckToken(e, who, state, output);
        CheckSegmentation(e, who, output);
        CheckProtected(e, who, output);
        if (resource?.Type is { } type)
        {
            CheckKubernetes(e, type, who, output);
        }

        IdentitySignals.Evaluate(e, who, output);
    }

    private void CheckToken(AccessEvent e, in Identity who, PrincipalState state, List<Contribution> output)
    {
        if (e.Token is not { } token)
        {
            return;
        }

        if (policy.Tokens.EnforceBinding && token.BoundWorkload is { } bound && who.WorkloadId is { } used
            && !string.Equals(bound, used, StringComparison.Ordinal))
        {
            output.Add(new Contribution(Detectors.Policy, RuleNames.TokenBinding, 90,
                $"token {token.Jti} is bound to workload {bound} but was used from {used}; policy tokens.enforce_binding").Of(Techniques.StolenToken));
        }

        if (token.ExpiresAt is { } exp && (e.Time - exp).TotalSeconds > policy.Tokens.ExpiryGraceSeconds
            && !string.Equals(e.Kind, EventKinds.AuthLogout, StringComparison.Ordinal))
        {
            output.Add(new Contribution(Detectors.Policy, RuleNames.TokenExpired, 90,
                $"token {token.Jti} expired at {Numbers.Time(exp)} and was used {Numbers.Duration(e.Time - exp)} later").Of(Techniques.ApplicationAccessToken));
        }

        if (policy.Tokens.RevokeOnLogout && token.Jti is { } jti && !string.Equals(e.Kind, EventKinds.AuthLogout, StringComparison.Ordinal))
        {
            var revoked = state.RevokedTicks(StableHash.Of(jti));
            if (revoked != 0 && e.Time.UtcTicks > revoked)
            {
                var at = new DateTimeOffset(revoked, TimeSpan.Zero);
                output.Add(new Contribution(Detectors.Policy, RuleNames.TokenRevoked, 95,
                    $"token {jti} was revoked (session logged out) at {Numbers.Time(at)} and used {Numbers.Duration(e.Time - at)} later").Of(Techniques.ApplicationAccessToken));
            }
        }
    }

    private void CheckSegmentation(AccessEvent e, in Identity who, List<Contribution> output)
    {
        if (e.Resource is not { Type: "service", Id: { } target } || who.Namespace is not { } from)
        {
            return;
        }

        var slash = target.IndexOf('/', StringComparison.Ordinal);
        var to = slash > 0 ? target[..slash] : target;
        if (string.Equals(to, from, StringComparison.Ordinal))
        {
            return;
        }

        if (segmentation.TryGetValue(from, out var rule))
        {
            if (!PolicyLists.Matches(rule.To, to))
            {
                output.Add(new Contribution(Detectors.Policy, RuleNames.Segmentation, 85,
                    $"{who.WorkloadId ?? who.Principal} in namespace {from} called {target}; segmentation allows {from} to reach only [{string.Join(", ", rule.To)}]"));
            }
        }
        else if (string.Equals(policy.Segmentation.Default, "deny", StringComparison.Ordinal))
        {
            output.Add(new Contribution(Detectors.Policy, RuleNames.Segmentation, 85,
                $"{who.WorkloadId ?? who.Principal} in namespace {from} called {target}; segmentation denies namespaces without a rule"));
        }
    }

    private void CheckProtected(AccessEvent e, in Identity who, List<Contribution> output)
    {
        if (policy.ProtectedResources.Count == 0 || e.Resource?.Id is not { } id)
        {
            return;
        }

        foreach (var p in policy.ProtectedResources)
        {
            if ((p.Type is null || string.Equals(p.Type, e.Resource.Type, StringComparison.Ordinal))
                && (p.Id.EndsWith('*') ? id.StartsWith(p.Id[..^1], StringComparison.Ordinal) : string.Equals(p.Id, id, StringComparison.Ordinal))
                && !who.In(p.Allow))
            {
                output.Add(new Contribution(Detectors.Policy, RuleNames.ProtectedResource, 80,
                    $"{who.Describe()} {e.Action ?? "accessed"} protected resource {e.Resource.Type} {id}; policy protected_resources '{p.Id}' does not allow it"));
                return;
            }
        }
    }

    private void CheckKubernetes(AccessEvent e, string type, in Identity who, List<Contribution> output)
    {
        var k = policy.Kubernetes;
        if (type is "pods/exec" or "pods/attach" && k.ExecAllowed is not null && !who.In(k.ExecAllowed))
        {
            output.Add(new Contribution(Detectors.Policy, RuleNames.PodExec, 80,
                $"{who.Describe()} ran {type[5..]} in pod {e.Resource!.Id}; kubernetes.exec_allowed does not list it").Of(Techniques.ContainerAdministrationCommand));
        }
    }

    /// <summary>Reading data one should not: from a bucket or object store (T1530), else from an information repository (T1213).</summary>
    public static AttackMapping DataAccess(string? resourceType) => resourceType switch
    {
        "bucket" or "object" or "blob" or "s3_object" => Techniques.CloudStorage,
        _ => Techniques.InformationRepositories,
    };

    public static bool IsWrite(string? action) => action switch
    {
        "write" or "create" or "update" or "patch" or "delete" or "deletecollection" or "put" or "post" or "bind" or "escalate"
            or "PUT" or "POST" or "PATCH" or "DELETE" => true,
        _ => false,
    };
}
