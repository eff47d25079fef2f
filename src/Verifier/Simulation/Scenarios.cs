namespace ZtStream.Verifier.Simulation;

/// <summary>Injected attack scenarios: stable kebab-case names used by <c>simulate --scenarios</c>, labels and the demo.</summary>
internal static class Scenarios
{
    public const string StolenTokenReplay = "stolen-token-replay";
    public const string BulkExfiltration = "bulk-exfiltration";
    public const string FirstTimeDataClass = "first-time-data-class";
    public const string RbacPrivilegeEscalation = "rbac-privilege-escalation";
    public const string SecretsEnumeration = "secrets-enumeration";
    public const string PodExec = "pod-exec";
    public const string DenialSpike = "denial-spike";
    public const string NewSourceUnusualHour = "new-source-unusual-hour";
    public const string LateralMovement = "lateral-movement";
    public const string RevokedTokenUse = "revoked-token-use";

    public static readonly IReadOnlyList<string> All =
    [
        StolenTokenReplay, BulkExfiltration, FirstTimeDataClass, RbacPrivilegeEscalation, SecretsEnumeration,
        PodExec, DenialSpike, NewSourceUnusualHour, LateralMovement, RevokedTokenUse,
    ];

    /// <summary>Parses <c>all</c> or a comma-separated list; unknown names are returned in <paramref name="unknown"/>.</summary>
    public static List<string> Parse(string? list, out List<string> unknown)
    {
        unknown = [];
        if (string.IsNullOrWhiteSpace(list) || list.Trim() == "all")
        {
            return [.. All];
        }

        if (list.Trim() == "none")
        {
            return [];
        }

        var result = new List<string>();
        foreach (var raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (All.Contains(raw))
            {
                if (!result.Contains(raw))
                {
                    result.Add(raw);
                }
            }
            else
            {
                unknown.Add(raw);
            }
        }

        return result;
    }
}
