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

    private const string IdSuffix = "@address";

    /// <summary>The address twin of <paramref name="e"/>, or null when it is not a failed sign-in of an account from an address.</summary>
    public static AccessEvent? Of(AccessEvent e)
    {
        if (!string.Equals(e.Kind, EventKinds.AuthLogin, StringComparison.Ordinal)
            || !string.Equals(e.Outcome, Outcomes.Denied, StringComparison.Ordinal)
            || e.Network?.SrcIp is not { Length: > 0 } address
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
        return e with
        {
            Id = e.Id + IdSuffix,
            Subject = new Subject { Id = "ip:" + address, Type = IdentitySubjectTypes.Anonymous, Tenant = e.Subject.Tenant },
            Token = null,
            Raw = null,
            Attributes = attributes,
        };
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
