namespace ZtStream.Ingest.Tests.Sources;

/// <summary>
/// The checks every vendor mapper's tests make. All mappers share one signature and one <see cref="MapResult"/>, so
/// "these records map to these events" and "these records are rejected, naming this field" are asserted one way
/// for Okta, Entra, Keycloak, Auth0, Kubernetes audit and Falco alike.
/// </summary>
internal static class MapperAssert
{
    /// <summary>Every record maps and none is rejected: the <paramref name="count"/> events, in record order.</summary>
    public static IReadOnlyList<AccessEvent> MapsAll(MapResult result, int count)
    {
        Assert.Empty(result.Errors);
        var events = result.Events;
        Assert.Equal(count, events.Count);
        return events;
    }

    /// <summary>Every record maps and none is rejected, to events of these kinds in record order.</summary>
    public static IReadOnlyList<AccessEvent> MapsAll(MapResult result, params string[] kinds)
    {
        Assert.Empty(result.Errors);
        var events = result.Events;
        Assert.Equal(kinds, events.Select(e => e.Kind));
        return events;
    }

    /// <summary>A body of one record maps to one event, with no error: that event.</summary>
    public static AccessEvent MapsOne(MapResult result) => MapsAll(result, 1)[0];

    /// <summary>A body of one record maps to one event of this kind and outcome, with no error.</summary>
    public static AccessEvent MapsTo(MapResult result, string kind, string? outcome)
    {
        var e = MapsOne(result);
        Assert.Equal(kind, e.Kind);
        Assert.Equal(outcome, e.Outcome);
        return e;
    }

    /// <summary>
    /// A successful sign-in: who signed in, into which session and from where — what every identity provider's sign-in
    /// maps to and what the session detectors key on. Where the vendor's record also names the address, the tenant,
    /// the client or the place, <paramref name="srcIp"/>, <paramref name="tenant"/>, <paramref name="clientId"/>,
    /// <paramref name="country"/> and <paramref name="city"/> are checked too.
    /// </summary>
    public static void IsSignIn(
        AccessEvent e,
        string subject,
        string session,
        string? srcIp = null,
        string? tenant = null,
        string? clientId = null,
        string? country = null,
        string? city = null)
    {
        Assert.Equal(EventKinds.AuthLogin, e.Kind);
        Assert.Equal(Outcomes.Success, e.Outcome);
        Assert.Equal(subject, e.Subject?.Id);
        Assert.Equal(session, e.Token?.SessionId);
        CheckIfNamed(srcIp, e.Network?.SrcIp);
        CheckIfNamed(tenant, e.Subject?.Tenant);
        CheckIfNamed(clientId, e.Token?.ClientId);
        CheckIfNamed(country, e.Attr(IdentityAttributes.GeoCountry));
        CheckIfNamed(city, e.Attr(IdentityAttributes.GeoCity));
    }

    /// <summary>
    /// A refused sign-in: who tried — the name typed, even where no account has it — and why, in the vendor's code and
    /// in its words where the record gives them.
    /// </summary>
    public static void IsRefusedSignIn(AccessEvent e, string subject, string? resultCode = null, string? failureReason = null)
    {
        Assert.Equal(EventKinds.AuthLogin, e.Kind);
        Assert.Equal(Outcomes.Denied, e.Outcome);
        Assert.Equal(subject, e.Subject?.Id);
        CheckIfNamed(resultCode, e.Attr(IdentityAttributes.ResultCode));
        CheckIfNamed(failureReason, e.Attr(IdentityAttributes.FailureReason));
    }

    /// <summary>
    /// An administrator granting a role: the one admin change every identity provider's grant maps to. Where the
    /// vendor's record says where the grant came from and what it calls it, <paramref name="srcIp"/> and
    /// <paramref name="eventType"/> are checked too.
    /// </summary>
    public static void IsRoleGrant(AccessEvent e, string actor, string targetUser, string? role, string? srcIp = null, string? eventType = null)
    {
        Assert.Equal(EventKinds.AuthAdminChange, e.Kind);
        Assert.Equal("role_grant", e.Attr(IdentityAttributes.Change));
        Assert.Equal(actor, e.Subject?.Id);
        Assert.Equal(targetUser, e.Attr(IdentityAttributes.TargetUser));
        Assert.Equal(role, e.Attr(IdentityAttributes.TargetRole));
        CheckIfNamed(srcIp, e.Network?.SrcIp);
        CheckIfNamed(eventType, e.Attr(IdentityAttributes.IdpEventType));
    }

    /// <summary>
    /// An account or credential change made to <paramref name="subject"/>, by <paramref name="actor"/> (an administrator)
    /// or, where <paramref name="actor"/> is null, by no one but the subject.
    /// </summary>
    public static void IsChange(AccessEvent e, string kind, string change, string subject, string? actor)
    {
        Assert.Equal(kind, e.Kind);
        Assert.Equal(change, e.Attr(IdentityAttributes.Change));
        Assert.Equal(subject, e.Subject?.Id);
        Assert.Equal(actor, e.Attr(IdentityAttributes.Actor));
    }

    /// <summary>
    /// A body of good and bad records: exactly the records at <paramref name="mapped"/> become events, and each other
    /// one is reported with its index, the field at fault and a reason — none is dropped silently.
    /// </summary>
    public static void Rejects(MapResult result, int[] mapped, params (int Index, string Field)[] rejected)
    {
        Assert.Equal(mapped, result.Items.Select(i => i.Index));
        Assert.Equal(rejected, result.Errors.Select(e => (e.Index, e.Field)));
        Assert.All(result.Errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));
    }

    /// <summary>A body the mapper cannot read as records at all: no event, and one error naming <paramref name="field"/>.</summary>
    public static ItemError RejectsWhole(MapResult result, string field)
    {
        Assert.Empty(result.Events);
        var error = Assert.Single(result.Errors);
        Assert.Equal(field, error.Field);
        Assert.False(string.IsNullOrWhiteSpace(error.Reason));
        return error;
    }

    /// <summary>
    /// A Kubernetes API request as a managed cluster's envelope carried it: its audit id, who, which verb on which object,
    /// from where, and the cluster the envelope names (null: it names none).
    /// </summary>
    public static void IsClusterRequest(AccessEvent e, string id, string subject, string action, string resourceType, string resourceId, string srcIp, string? cluster)
    {
        Assert.Equal(id, e.GivenId());
        Assert.Equal(subject, e.Subject?.Id);
        Assert.Equal(action, e.Action);
        Assert.Equal(resourceType, e.Resource?.Type);
        Assert.Equal(resourceId, e.Resource?.Id);
        Assert.Equal(srcIp, e.Network?.SrcIp);
        Assert.Equal(cluster, e.Attr("k8s.cluster"));
    }

    /// <summary>
    /// A body delivered again maps to the same event ids, one of its own per event: what lets the event log's
    /// deduplication drop a redelivery of records whose vendor gives them no id. Returns the ids.
    /// </summary>
    public static IReadOnlyList<string> SameIdsWhenDeliveredAgain(Func<MapResult> deliver)
    {
        var first = deliver().Events.Select(e => e.Id).ToList();
        var second = deliver().Events.Select(e => e.Id).ToList();
        Assert.Equal(first, second);
        Assert.Equal(first.Count, first.Distinct().Count());
        return first;
    }

    /// <summary>A value the test names must be the one mapped; one it leaves out is not checked.</summary>
    private static void CheckIfNamed(string? expected, string? actual)
    {
        if (expected is not null)
        {
            Assert.Equal(expected, actual);
        }
    }
}
