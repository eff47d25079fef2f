using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using ZtStream.Platform;

namespace ZtStream.Ingest.Sources.Identity;

/// <summary>
/// A failed sign-in concerns two principals: the account tried and the address it was tried from. Events are
/// partitioned by principal, so a spray's failures (one per account) land on many partitions and no partition could
/// count its accounts. Beside each failed sign-in that names an account and a client address, Ingest therefore writes
/// its twin keyed by the address (<c>ip:ADDRESS</c>): every failure from one address meets on one partition, where the
/// spraying and stuffing rules count distinct <see cref="Account"/>s. The twin carries the account, the original's id
/// in <see cref="TwinOf"/>, and no raw object. An IPv6 client picks any address in its /64 at will (privacy addresses,
/// or one per request), so a sign-in's IPv6 address twin is keyed by that /64 (<c>ip:2001:db8:7:1::/64</c>).
/// <para>
/// A spray from a botnet or residential proxies tries each account once from its own address: no account's and no
/// address's partition sees more than one failure. Beside the address twin Ingest therefore writes a tenant twin keyed
/// by the tenant the record names (<c>tenant:TENANT</c>), else the source that delivered it (<c>source:SOURCE</c>), else
/// the provider (<c>idp:okta</c>): every failure of a tenant meets on one partition, where a rule counts the distinct
/// networks (<see cref="Network"/>) its accounts fail from. docs/events.md ("Address twins").
/// </para>
/// <para>
/// A sign-in that went through concerns the account and the browser it was made in, when the record names the browser's
/// device token (Okta's <c>debugData.dtHash</c>, <see cref="IdentityAttributes.DeviceToken"/>): beside each Okta session
/// start carrying one, Ingest writes its device twin keyed by that token (<c>device:HASH</c>), so every account signed in
/// from one browser meets on one partition, where a rule counts them (<see cref="DeviceOf"/>).
/// </para>
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

    /// <summary>
    /// On a tenant twin: the network the client address is in — its IPv4 /24 or IPv6 /48 (<c>203.0.113.0/24</c>,
    /// <c>2001:db8:7::/48</c>), an IPv6 address carrying an IPv4 one as that IPv4 address — when the address is public.
    /// Private, loopback, link-local and carrier-NAT addresses name no client network, and have none.
    /// </summary>
    public const string Network = "auth.network";

    private const string IdSuffix = "@address";
    private const string TenantIdSuffix = "@tenant";
    private const string ActorIdSuffix = "@actor";
    private const string DeviceIdSuffix = "@device";

    /// <summary>
    /// Okta's sign-in to Okta itself, the event that starts a session in a browser. Single sign-on into an application
    /// inside that session (<c>user.authentication.sso</c>) is the same account in the same browser again, and by far the
    /// most frequent sign-in: it gets no device twin, which would double the provider's traffic for no new account.
    /// </summary>
    private const string OktaSessionStart = "user.session.start";

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
        var address = IsSignIn(e) ? e.Network?.SrcIp
            : string.Equals(e.Kind, EventKinds.K8sAudit, StringComparison.Ordinal) && IsOpenShiftLogin(e) ? ServerSide(e, out forwardedFor)
            : null;
        if (address is not { Length: > 0 } || FailedAccount(e) is not { } account)
        {
            return null;
        }

        // A refused OpenShift login is keyed by the router's address: one host, which does not rotate its address.
        return Twin(e, IdSuffix, "ip:" + (IsSignIn(e) ? Keyed(address) : address), account, ForwardedFor, forwardedFor) with
        {
            Network = e.Network is null ? null : e.Network with { SrcIp = address },
            // Rules counting refused requests by status (k8s-repeated-forbidden-from-public-ip) count the original once.
            Status = string.Equals(e.Kind, EventKinds.K8sAudit, StringComparison.Ordinal) ? null : e.Status,
        };
    }

    /// <summary>
    /// The tenant twin of <paramref name="e"/>, or null when it is not a failed sign-in of an account from an address at an
    /// identity provider: keyed by the tenant the record names, else <paramref name="source"/> (the source that delivered
    /// it), else the provider, with <see cref="Network"/> when the address is public. A login refused at OpenShift's OAuth
    /// server has none: its address is the router's.
    /// </summary>
    public static AccessEvent? TenantOf(AccessEvent e, string? source)
    {
        if (!IsSignIn(e) || e.Network?.SrcIp is not { Length: > 0 } address || FailedAccount(e) is not { } account)
        {
            return null;
        }

        var key = e.Subject?.Tenant is { Length: > 0 } tenant ? "tenant:" + tenant
            : source is { Length: > 0 } ? "source:" + source
            : e.Attributes?.TryGetValue(IdentityAttributes.IdpName, out var idp) == true && idp.ValueKind == JsonValueKind.String && idp.GetString() is { Length: > 0 } name ? "idp:" + name
            : null;
        if (key is null)
        {
            return null;
        }

        return Twin(e, TenantIdSuffix, key, account, Network, NetworkOf(address));
    }

    /// <summary>
    /// The actor twin of <paramref name="e"/>, or null when it is not an administrator's reset, suspension, disabling,
    /// deletion or unlock of another user's account that went through. Such a record's subject is the user it was done to
    /// (whose sessions a response revokes) and the administrator is only its <see cref="IdentityAttributes.Actor"/>, so one
    /// administrator's burst over many users lands on many partitions. The twin is keyed by the administrator's login
    /// (<c>it-admin@acme.example</c>, a user: an actor without an <c>@</c> is an application or the directory's own
    /// service, and has none), with the user in <see cref="Account"/>: every such change of one administrator meets on
    /// the administrator's own partition, where a rule counts the distinct accounts (docs/events.md, "Address twins").
    /// </summary>
    public static AccessEvent? ActorOf(AccessEvent e)
    {
        if (!string.Equals(e.Outcome, Outcomes.Success, StringComparison.Ordinal)
            || !IsAdministeredChange(e)
            || e.Subject?.Id is not { Length: > 0 } account
            || e.Attributes is not { } attributes
            || attributes.ContainsKey(TwinOf)
            || !attributes.TryGetValue(IdentityAttributes.Actor, out var actorValue) || actorValue.ValueKind != JsonValueKind.String
            || actorValue.GetString() is not { Length: > 0 } actor
            || !actor.Contains('@', StringComparison.Ordinal)
            || string.Equals(actor, account, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var twin = Twin(e, ActorIdSuffix, actor, account, Account, null);
        return twin with { Subject = twin.Subject! with { Type = IdentitySubjectTypes.User } };
    }

    /// <summary>
    /// The device twin of <paramref name="e"/>, or null when it is not an Okta session start that went through and names
    /// the browser's device token (<see cref="IdentityAttributes.DeviceToken"/>, the hash of Okta's device-token cookie).
    /// The twin is keyed by the token (<c>device:HASH</c>), keeps the tenant the record names, and carries the account in
    /// <see cref="Account"/>: every account signed in from one browser meets on one partition, where
    /// <c>identity-device-token-many-users</c> counts them (docs/events.md, "Address twins"). Failed sign-ins have their
    /// address and tenant twins instead; a twin has none.
    /// </summary>
    public static AccessEvent? DeviceOf(AccessEvent e)
    {
        if (!IsSignIn(e)
            || !string.Equals(e.Outcome, Outcomes.Success, StringComparison.Ordinal)
            || !string.Equals(e.Action, OktaSessionStart, StringComparison.OrdinalIgnoreCase)
            || e.Subject?.Id is not { Length: > 0 } account
            || account.StartsWith("ip:", StringComparison.Ordinal)
            || e.Attributes is not { } attributes
            || attributes.ContainsKey(TwinOf)
            || !attributes.TryGetValue(IdentityAttributes.DeviceToken, out var token) || token.ValueKind != JsonValueKind.String
            || token.GetString() is not { Length: > 0 } hash)
        {
            return null;
        }

        return Twin(e, DeviceIdSuffix, "device:" + hash, account, Account, null);
    }

    /// <summary>A password or all factors reset, or an account suspended, disabled, deleted or unlocked.</summary>
    private static bool IsAdministeredChange(AccessEvent e) =>
        e.Attributes?.TryGetValue(IdentityAttributes.Change, out var change) == true && change.ValueKind == JsonValueKind.String
        && (string.Equals(e.Kind, EventKinds.AuthCredentialChange, StringComparison.Ordinal)
            ? change.ValueEquals("reset")
            : string.Equals(e.Kind, EventKinds.AuthAccountChange, StringComparison.Ordinal)
              && (change.ValueEquals("suspended") || change.ValueEquals("disabled") || change.ValueEquals("deleted") || change.ValueEquals("unlocked")));

    /// <summary>
    /// <paramref name="e"/> as the principal <paramref name="key"/>: id + <paramref name="idSuffix"/>, anonymous, no token
    /// and no raw object, naming the account and the original, and <paramref name="name"/> when <paramref name="value"/> is
    /// not null.
    /// </summary>
    private static AccessEvent Twin(AccessEvent e, string idSuffix, string key, string account, string name, string? value)
    {
        var attributes = e.Attributes is null
            ? new Dictionary<string, JsonElement>(StringComparer.Ordinal)
            : new Dictionary<string, JsonElement>(e.Attributes, StringComparer.Ordinal);
        attributes[Account] = JsonFields.Of(account);
        attributes[TwinOf] = JsonFields.Of(e.Id);
        if (value is not null)
        {
            attributes[name] = JsonFields.Of(value);
        }

        return e with
        {
            Id = e.Id + idSuffix,
            Subject = new Subject { Id = key, Type = IdentitySubjectTypes.Anonymous, Tenant = e.Subject?.Tenant },
            Token = null,
            Raw = null,
            Attributes = attributes,
        };
    }

    /// <summary>The account of a failed sign-in that is no twin and was not interrupted (for MFA, consent); else null.</summary>
    private static string? FailedAccount(AccessEvent e) =>
        string.Equals(e.Outcome, Outcomes.Denied, StringComparison.Ordinal)
        && e.Subject?.Id is { Length: > 0 } account
        && !account.StartsWith("ip:", StringComparison.Ordinal)
        && e.Attributes?.ContainsKey(TwinOf) != true
        && !(e.Attributes?.TryGetValue(IdentityAttributes.Interrupted, out var interrupted) == true && interrupted.ValueKind == JsonValueKind.True)
            ? account
            : null;

    private static bool IsSignIn(AccessEvent e) => string.Equals(e.Kind, EventKinds.AuthLogin, StringComparison.Ordinal);

    /// <summary>
    /// What an address twin is keyed by: an IPv6 address's /64 (<c>2001:db8:7:1::/64</c>), the block one interface picks its
    /// addresses from (RFC 4291's interface identifier, RFC 8981's temporary addresses), so a client taking a new address for
    /// each attempt is still one; any other address as it is (an IPv6 address carrying an IPv4 one is that client's).
    /// </summary>
    private static string Keyed(string address)
    {
        if (!IPAddress.TryParse(address, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6 || ClientAddresses.CarriedIPv4(ip) is not null)
        {
            return address;
        }

        return Prefix(ip, 8) + "/64";
    }

    /// <summary>The IPv4 /24 or IPv6 /48 of a public address (an IPv6 one carrying an IPv4 address as that address); else null.</summary>
    private static string? NetworkOf(string address)
    {
        if (!IPAddress.TryParse(address, out var ip) || !ClientAddresses.IsPublic(ip))
        {
            return null;
        }

        if (ClientAddresses.CarriedIPv4(ip) is { } carried)
        {
            ip = carried;
        }

        return ip.AddressFamily == AddressFamily.InterNetwork ? Prefix(ip, 3) + "/24" : Prefix(ip, 6) + "/48";
    }

    /// <summary><paramref name="ip"/> with all but its first <paramref name="bytes"/> bytes zero, in its shortest form.</summary>
    private static string Prefix(IPAddress ip, int bytes)
    {
        Span<byte> b = stackalloc byte[16];
        ip.TryWriteBytes(b, out var length);
        b[bytes..length].Clear();
        return new IPAddress(b[..length]).ToString();
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

    /// <summary>Every kind of twin, in the order a twin follows its event.</summary>
    public static readonly ImmutableArray<TwinKind> Kinds = [TwinKind.Address, TwinKind.Tenant, TwinKind.Actor, TwinKind.Device];

    /// <summary>
    /// The twin of <paramref name="kind"/> of <paramref name="e"/>, or null when it has none of that kind; a tenant twin is
    /// keyed, when the record names no tenant, by <paramref name="source"/> (<see cref="TenantOf"/>).
    /// </summary>
    public static AccessEvent? OfKind(AccessEvent e, TwinKind kind, string? source) => kind switch
    {
        TwinKind.Address => Of(e),
        TwinKind.Tenant => TenantOf(e, source),
        TwinKind.Actor => ActorOf(e),
        TwinKind.Device => DeviceOf(e),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a kind of twin"),
    };

    /// <summary>
    /// <paramref name="events"/> with each one's twins, if it has any, right after it in the order of <see cref="Kinds"/>
    /// (a tenant twin keyed, when the record names no tenant, by the event's own source).
    /// </summary>
    public static IEnumerable<AccessEvent> With(IEnumerable<AccessEvent> events)
    {
        foreach (var e in events)
        {
            yield return e;
            foreach (var kind in Kinds)
            {
                if (OfKind(e, kind, e.Source) is { } twin)
                {
                    yield return twin;
                }
            }
        }
    }
}
