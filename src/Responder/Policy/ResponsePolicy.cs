namespace ZtStream.Responder.Policy;

/// <summary>How a matching rule acts.</summary>
internal static class ResponseModes
{
    /// <summary>Acts at once, within the blast-radius budget.</summary>
    public const string Automatic = "automatic";
    /// <summary>Waits for a responder's approval.</summary>
    public const string Approval = "approval";
    /// <summary>Records what would have been done, does nothing.</summary>
    public const string DryRun = "dry_run";
    /// <summary>Triggered by a responder through the API.</summary>
    public const string Manual = "manual";
}

/// <summary>
/// One rule: which alerts (detector, reason rule, minimum severity) lead to which action in which mode;
/// <paramref name="RequireEvidenceScope"/> overrides the policy's for this rule.
/// </summary>
internal sealed record PolicyRule(string Name, string? Detector, string? Rule, string MinSeverity, string Action, string Mode, bool? RequireEvidenceScope = null)
{
    public bool Matches(Alert alert)
    {
        if (Severities.Rank(alert.Severity) < Severities.Rank(MinSeverity))
        {
            return false;
        }

        if (Detector is null && Rule is null)
        {
            return true;
        }

        if (Rule is null && string.Equals(alert.Detector, Detector, StringComparison.Ordinal))
        {
            return true;
        }

        foreach (var reason in alert.Reasons)
        {
            if ((Detector is null || string.Equals(reason.Detector, Detector, StringComparison.Ordinal))
                && (Rule is null || string.Equals(reason.Rule, Rule, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>At most <see cref="MaxAutomatic"/> automatic actions per <see cref="Window"/> (sliding), and
/// <see cref="MaxAutomaticPerNamespace"/> for the workloads of one namespace.</summary>
internal sealed record BlastRadiusBudget(int MaxAutomatic, int MaxAutomaticPerNamespace, TimeSpan Window);

/// <summary>
/// The loaded response policy. <paramref name="RequireEvidenceScope"/>: an automatic revocation or isolation needs
/// evidence whose sources vouch for its subject or workload (their scopes limit what they may speak for); otherwise it
/// waits for approval.
/// </summary>
internal sealed record ResponsePolicy(
    IReadOnlyList<PolicyRule> Rules,
    IReadOnlyList<string> ProtectedSubjects,
    IReadOnlyList<string> ProtectedWorkloads,
    BlastRadiusBudget Budget,
    TimeSpan IsolationTtl,
    TimeSpan ApprovalExpiry,
    bool DryRun,
    bool RequireEvidenceScope = true)
{
    public static readonly TimeSpan DefaultIsolationTtl = TimeSpan.FromHours(1);
    public static readonly TimeSpan DefaultApprovalExpiry = TimeSpan.FromHours(8);
    public static readonly BlastRadiusBudget DefaultBudget = new(10, 5, TimeSpan.FromMinutes(5));

    /// <summary>Without a policy file: every alert of high severity or above is recorded with a notify action.</summary>
    public static ResponsePolicy Default { get; } = new(
        [new PolicyRule("notify-high", null, null, Severities.High, ActionKinds.Notify, ResponseModes.Automatic)],
        [],
        [],
        DefaultBudget,
        DefaultIsolationTtl,
        DefaultApprovalExpiry,
        DryRun: false);

    public bool IsProtectedSubject(string? subjectId) =>
        subjectId is not null && ProtectedSubjects.Any(p => Glob.IsMatch(p, subjectId));

    /// <summary>A workload pattern matches its id, or <c>namespace/name</c>.</summary>
    public bool IsProtectedWorkload(string? workloadId, string? ns, string? name)
    {
        if (workloadId is null && name is null)
        {
            return false;
        }

        var qualified = ns is null ? name : $"{ns}/{name}";
        return ProtectedWorkloads.Any(p =>
            (workloadId is not null && Glob.IsMatch(p, workloadId)) || (qualified is not null && Glob.IsMatch(p, qualified)));
    }
}
