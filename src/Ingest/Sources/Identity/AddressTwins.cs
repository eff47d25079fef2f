namespace ZtStream.Ingest.Sources.Identity;

/// <summary>
/// A failed sign-in concerns two principals: the account tried and the address it was tried from. Events are
/// partitioned by principal, so a spray's failures (one per account) land on many partitions and no partition could
/// count its accounts. Beside each failed sign-in that names an account and a client address, Ingest therefore writes
/// its twin keyed by the address (<c>ip:ADDRESS</c>): every failure from one address meets on one partition, where the
/// spraying and stuffing rules count distinct <see cref="Account"/>s. The twin carries the account, the original's id
/// in <see cref="TwinOf"/>, and no raw object. docs/events.md ("Address twins").
/// </summary>
internal static class AddressTwins
{
    /// <summary>The account the failed sign-in was for.</summary>
    public const string Account = "auth.account";

    /// <summary>The id of the failed sign-in this twin mirrors; present only on twins.</summary>
    public const string TwinOf = "auth.twin_of";

    /// <summary>
    /// On the twin of a refused OpenShift login: the client address the proxy in front of the OAuth server put in
    /// <c>X-Forwarded-For</c> (the audit event's second-to-last source IP), when there was one. The twin itself is keyed by
    /// the last, the address the OAuth server's connection came from, which no client can forge.
    /// </summary>
    public const string ForwardedFor = "auth.forwarded_for";

    private const string IdSuffix = "@address";

    private const string LoginUsername = "authentication.openshift.io/username";
    private const string LoginDecision = "authentication.openshift.io/decision";

    /// <summary>
    /// The address twin of <paramref name="e"/>, or null when it is not a failed sign-in of an account from an address: an
    /// identity provider's, or a login refused at OpenShift's OAuth server (a <c>k8s.audit</c> event whose subject is the
    /// account its annotations name).
    /// </summary>
    public static AccessEvent? Of(AccessEvent e)
    {
        string? forwardedFor = null;
        var address = string.Equals(e.Kind, EventKinds.AuthLogin, StringComparison.Ordinal) ? e.Network?.SrcIp
            : string.Equals(e.Kind, EventKinds.K8sAudit, StringComparison.Ordinal) && IsOpenShiftLogin(e) ? ServerSide(e, out forwardedFor)
            : null;
        if (!string.Equals(e.Outcome, Outcomes.Denied, StringComparison.Ordinal)
            || address is not { Length: > 0 }
            || e.Subject?.Id is not { Length: > 0 } account
            || account.StartsWith("ip:", StringComparison.Ordinal)
            || e.Attributes?.ContainsKey(TwinOf) == true
            || (e.Attributes?.TryGetValue(IdentityAttributes.Interrupted, out var interrupted) == true && interrupted.ValueKind == JsonValueKind.True))
        {
            return null;
        }

        var attributes = e.Attributes is null
            ? new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            : new Dictionary<string, JsonElement>(e.Attributes, StringComparer.Ordinal);
        attributes[Account] = JsonFields.Of(account);
        attributes[TwinOf] = JsonFields.Of(e.Id);
        if (forwardedFor is not null)
        {
            attributes[ForwardedFor] = JsonFields.Of(forwardedFor);
        }

        return e with
        {
            Id = e.Id + IdSuffix,
            Subject = new Subject { Id = "ip:" + address, Type = IdentitySubjectTypes.Anonymous, Tenant = e.Subject.Tenant },
            Token = null,
            Network = e.Network is null ? null : e.Network with { SrcIp = address },
            // Rules counting refused requests by status (k8s-repeated-forbidden-from-public-ip) count the original once.
            Status = string.Equals(e.Kind, EventKinds.K8sAudit, StringComparison.Ordinal) ? null : e.Status,
            Raw = null,
            Attributes = attributes,
        };
    }

    /// <summary>A login at OpenShift's OAuth server whose subject is the account its annotations name (docs/sources.md).</summary>
    private static bool IsOpenShiftLogin(AccessEvent e) =>
        e.Attributes?.TryGetValue("k8s.annotations", out var annotations) == true && annotations.ValueKind == JsonValueKind.Object
        && annotations.TryGetProperty(LoginDecision, out var decision) && decision.ValueKind == JsonValueKind.String
        && annotations.TryGetProperty(LoginUsername, out var username) && username.ValueKind == JsonValueKind.String
        && string.Equals(username.GetString(), e.Subject?.Id, StringComparison.Ordinal);

    /// <summary>
    /// The address the OAuth server's connection came from: the last of the audit event's source IPs (the API server
    /// library appends the connection's address after <c>X-Forwarded-For</c> and <c>X-Real-Ip</c>): the router, which
    /// every login passes, and which no client can forge. The entry before it, when there is one, is the client the proxy
    /// in front saw — or whatever a client sent in <c>X-Forwarded-For</c> past a passthrough route.
    /// </summary>
    private static string? ServerSide(AccessEvent e, out string? forwardedFor)
    {
        forwardedFor = null;
        if (e.Attributes?.TryGetValue("k8s.source_ips", out var ips) == true && ips.ValueKind == JsonValueKind.Array
            && ips.GetArrayLength() is > 1 and var n && ips[n - 1].ValueKind == JsonValueKind.String)
        {
            forwardedFor = ips[n - 2].ValueKind == JsonValueKind.String ? ips[n - 2].GetString() : null;
            return ips[n - 1].GetString();
        }

        return e.Network?.SrcIp;
    }

    /// <summary><paramref name="events"/> with each one's twin, if it has one, right after it.</summary>
    public static IEnumerable<AccessEvent> With(IEnumerable<AccessEvent> events)
    {
        foreach (var e in events)
        {
            yield return e;
            if (Of(e) is { } twin)
            {
                yield return twin;
            }
        }
    }
}
