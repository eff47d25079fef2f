namespace ZtStream.Responder.Api;

/// <summary>Limits on what the API accepts, so a value it takes can never break what runs on it later.</summary>
internal static class Bounds
{
    public const int MaxIdLength = 512;
    public const int MaxReasonLength = 2000;
    public const int MaxRules = 64;

    /// <summary>The problem that refuses a request for <paramref name="errors"/>, or null when there are none.</summary>
    public static Problem? Refusal(IEnumerable<ItemError> errors) =>
        errors.ToList() is { Count: > 0 } list ? Problems.Invalid(list) : null;

    public static IEnumerable<ItemError> Ttl(long? seconds)
    {
        var max = (long)ActionService.MaxTtl.TotalSeconds;
        if (seconds is { } s && (s < 1 || s > max))
        {
            yield return new ItemError(0, "ttl_seconds", $"must be from 1 to {max} (30 days); was {s}");
        }
    }

    /// <summary>
    /// The reason a revocation is lifted with, whether one entry (<c>POST /v1/revocations/{version}/lift</c>) or every
    /// entry of an action (<c>POST /v1/actions/{id}/lift</c>): required, and bounded like every reason.
    /// </summary>
    public static IEnumerable<ItemError> LiftReason(string? reason) =>
        string.IsNullOrWhiteSpace(reason)
            ? [new ItemError(0, "reason", "required: say why the revocation is lifted (it goes into the audit trail)")]
            : Text("reason", reason, MaxReasonLength);

    /// <summary>Free text (a reason, a note, a comment): at most <paramref name="max"/> characters, line breaks and tabs allowed.</summary>
    public static IEnumerable<ItemError> Text(string field, string? value, int max) => Checked(field, value, max, lines: true);

    /// <summary>A name or an id (a jti, a subject, an assignee, a rule): at most <paramref name="max"/> characters on one line.</summary>
    public static IEnumerable<ItemError> Id(string field, string? value, int max = MaxIdLength) => Checked(field, value, max, lines: false);

    /// <summary>
    /// The cluster of a manual isolation's workload: a name as events give it (<c>workload.cluster</c>), for
    /// <c>isolate_workload</c> only, where it says in which cluster to act.
    /// </summary>
    public static IEnumerable<ItemError> Cluster(string? kind, string? cluster)
    {
        if (cluster is null)
        {
            yield break;
        }

        if (kind != ActionKinds.IsolateWorkload)
        {
            yield return new ItemError(0, "cluster", "names the cluster of a workload: only isolate_workload takes it");
        }
        else if (Isolation.IsolatorClusters.NameProblem(cluster) is { } problem)
        {
            yield return new ItemError(0, "cluster", problem);
        }
    }

    /// <summary>
    /// What the API keeps is shown later in the console, in notifications, logs and terminals, and PostgreSQL refuses a NUL
    /// in text: a control character (an escape sequence that redraws a terminal, a line break that forges a log or audit
    /// line in a name) is refused on every store alike, naming where it is.
    /// </summary>
    private static IEnumerable<ItemError> Checked(string field, string? value, int max, bool lines)
    {
        if (value is null)
        {
            yield break;
        }

        if (value.Length > max)
        {
            yield return new ItemError(0, field, $"must be at most {max} characters; was {value.Length}");
            yield break;
        }

        if (ItemError.HiddenCharacter(value, lines) is { } reason)
        {
            yield return new ItemError(0, field, reason);
        }
    }
}
