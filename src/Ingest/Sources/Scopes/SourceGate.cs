namespace ZtStream.Ingest.Sources.Scopes;

/// <summary>
/// The one place an item passes between being read and being appended to the log, whichever way it came in: it is
/// refused when it is outside its source's scope (the error names the field and the scope), and otherwise stamped
/// with the source that delivered it and what that source vouches for — values from the body never survive.
/// </summary>
internal sealed class SourceGate
{
    /// <summary>The event as it goes to the log, or null (and an error added) when it is outside <paramref name="scope"/>.</summary>
    /// <param name="adapter">True when a source adapter (Kubernetes audit, Falco …) made the event from the system's own record.</param>
    public AccessEvent? Admit(AccessEvent e, int index, string source, SourceScope scope, bool adapter, List<ItemError> errors)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(errors);
        // The cluster label first, so that the limits are checked on the event as it goes to the log.
        if (scope.Label?.Label(e, index, source, out e) is { } unlabelled)
        {
            errors.Add(unlabelled);
            return null;
        }

        if (scope.Tenant is { } tenant && TenantLabel.Label(tenant, e, index, source, out e) is { } otherTenant)
        {
            errors.Add(otherTenant);
            return null;
        }

        if (scope.Check(e, index, source) is { } outside)
        {
            errors.Add(outside);
            return null;
        }

        return e with { Source = source, SourceScope = scope.Vouches(adapter) };
    }

    /// <summary>
    /// The twin of <paramref name="kind"/> (<see cref="AddressTwins.OfKind"/>) of <paramref name="admitted"/>, an event this
    /// gate let through from a source with <paramref name="scope"/>, stamped with what the scope vouches for on it; null
    /// when it has none. A twin names another principal than the event it came from, so the scope is applied to it again.
    /// </summary>
    public static AccessEvent? TwinOf(AccessEvent admitted, TwinKind kind, string source, SourceScope scope)
    {
        ArgumentNullException.ThrowIfNull(admitted);
        ArgumentNullException.ThrowIfNull(scope);
        return AddressTwins.OfKind(admitted, kind, source) is { } twin
            ? twin with { Source = source, SourceScope = scope.TwinVouches(admitted.SourceScope, twin.Subject!.Id) }
            : null;
    }

    /// <summary>
    /// <paramref name="item"/> as it goes to the log, or null (and an error added) when it is outside
    /// <paramref name="scope"/>. An item accepted from its bytes is decided from the fields its scan recorded, without
    /// reading the event; the others (a failed sign-in, whose address twin is made from the stamped event, an audit event
    /// under a namespace limit other than "*", whose object is in its raw event, and, under a cluster limit or label, an event
    /// whose cluster its bytes do not show plainly: escaped, or named twice; under a label also null, empty or not a string)
    /// are read. A labelled source's item that names no cluster is admitted as its bytes, the appender splicing the label in
    /// (<see cref="ClusterLabel.SpliceFor"/>).
    /// </summary>
    public MappedEvent? Admit(MappedEvent item, string source, SourceScope scope, bool adapter, List<ItemError> errors)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(errors);
        // A tenant label is rare (an identity provider's key) and its records come as objects: such an item is read whole.
        if (scope.Tenant is null && item is { Scanned: { } at, Json: { } json, MayBeFailedSignIn: false } && ScopeFields.Read(json.Span, at, scope) is { } fields)
        {
            if (scope.Label is { } label)
            {
                if (label.Label(json.Span, at, item.Index, source, out var readWhole) is { } unlabelled)
                {
                    errors.Add(unlabelled);
                    return null;
                }

                if (readWhole)
                {
                    return AdmitRead(item, source, scope, adapter, errors);
                }

                // Labelled or naming the label already: the limits see the cluster the event goes to the log with.
                fields = fields with { Cluster = label.Name };
            }

            if (scope.Check(fields, item.Index, source) is { } outside)
            {
                errors.Add(outside);
                return null;
            }

            return item.Vouched(scope.Vouches(adapter));
        }

        return AdmitRead(item, source, scope, adapter, errors);
    }

    /// <summary>The item admitted from its event; its bytes are forwarded only when the label left the event as it was.</summary>
    private MappedEvent? AdmitRead(MappedEvent item, string source, SourceScope scope, bool adapter, List<ItemError> errors)
    {
        if (Admit(item.Event, item.Index, source, scope, adapter, errors) is not { } admitted)
        {
            return null;
        }

        return ReferenceEquals(admitted.Attributes, item.Event.Attributes) && ReferenceEquals(admitted.Subject, item.Event.Subject)
            ? item.Admitted(admitted)
            : item.Relabelled(admitted);
    }
}
