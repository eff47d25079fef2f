namespace ZtStream.Responder.Suppressions;

/// <summary>
/// How far a suppression reaches. An analyst may suppress the alert's own rules for its principal (and its resource
/// class); wider scopes need a responder.
/// </summary>
internal static class SuppressionScopes
{
    /// <summary>The alert's principal, for the alert's resource class only (the default).</summary>
    public const string ResourceClass = "resource_class";

    /// <summary>The alert's principal, any resource class.</summary>
    public const string Principal = "principal";

    /// <summary>Every principal in the alert's namespace (responders).</summary>
    public const string Namespace = "namespace";

    /// <summary>Every principal (responders).</summary>
    public const string Everyone = "everyone";

    public static readonly string[] All = [ResourceClass, Principal, Namespace, Everyone];

    public static bool IsWide(string scope) => scope is Namespace or Everyone;

    /// <summary>Whether a suppression of scope <paramref name="from"/> can become <paramref name="to"/> by narrowing: only to a subset.</summary>
    public static bool Narrows(string from, string to) => from switch
    {
        Everyone => true,
        Principal => to is Principal or ResourceClass,
        _ => to == from,
    };
}

/// <summary>A suppression's state: <c>active</c> until it expires or is lifted.</summary>
internal static class SuppressionStates
{
    public const string Active = "active";
    public const string Expired = "expired";
    public const string Lifted = "lifted";
}

/// <summary>
/// One suppression made from an alert's false-positive verdict: which rules (<c>detector/rule</c>, a whole
/// <c>detector</c>, or <c>*</c>) stop scoring for whom (<see cref="Principal"/>, <c>*</c> for every principal), where
/// (<see cref="Namespace"/>, <see cref="ResourceClass"/>) and until when.
/// </summary>
internal sealed record SuppressionRecord
{
    /// <summary>A suppression's id as users see it, <c>sup-</c> and 16 hex digits, taken from <paramref name="from"/>.</summary>
    public static string IdFrom(Guid from) => "sup-" + from.ToString("N")[..16];

    public required string Id { get; init; }
    public required string AlertId { get; init; }
    public required string Scope { get; init; }
    public required string Principal { get; init; }
    public string? Namespace { get; init; }
    public string? ResourceClass { get; init; }

    /// <summary>
    /// The cluster it holds in (events naming it); null for every cluster, as for every suppression made before
    /// suppressions named clusters; <see cref="EveryCluster"/> for every cluster asked for on purpose.
    /// </summary>
    public string? Cluster { get; init; }

    /// <summary>
    /// <see cref="Cluster"/> of a suppression a responder made to hold in every cluster though what it names is of one
    /// (<c>cluster: "*"</c>): kept as asked, so its listing and audit trail say it was meant, while the Verifier is told
    /// "every cluster" (<see cref="VerifierCluster"/>).
    /// </summary>
    public const string EveryCluster = "*";

    /// <summary>The cluster the Verifier applies it in (<c>zt.feedback.v1</c>'s <c>cluster</c>): null for every cluster.</summary>
    public string? VerifierCluster => Cluster == EveryCluster ? null : Cluster;

    public required IReadOnlyList<string> Rules { get; init; }
    public required string CreatedBy { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public string? Note { get; init; }
    public DateTimeOffset? LiftedAt { get; init; }
    public string? LiftedBy { get; init; }
    public string? LiftReason { get; init; }

    /// <summary>1 when made; every change (narrowing, lift) takes the next in the transaction that writes it.</summary>
    public required long Version { get; init; }

    /// <summary>Filled in when read, from the clock.</summary>
    public string State { get; init; } = SuppressionStates.Active;
}
