namespace ZtStream.Verifier.Scoring;

/// <summary>
/// The namespace and <c>namespace/name</c> of a <c>system:serviceaccount:namespace:name</c> subject, kept per subject
/// string so a service account's every event does not build the two strings again. Direct-mapped by the subject string's
/// identity: the event reader hands out one instance for a repeated subject id, so a hit is one reference comparison,
/// and another instance of the same text only costs a rebuild. Not thread-safe: one per scoring engine.
/// </summary>
internal sealed class ServiceAccountNames
{
    public const string Prefix = "system:serviceaccount:";
    private const int Slots = 1024;

    private readonly Entry[] entries = new Entry[Slots];

    /// <summary>The names of <paramref name="subjectId"/> (which starts with <see cref="Prefix"/>), built once per slot.</summary>
    public Names? Of(string subjectId)
    {
        ref var entry = ref entries[RuntimeHelpers.GetHashCode(subjectId) & (Slots - 1)];
        if (!ReferenceEquals(entry.Subject, subjectId))
        {
            entry = new Entry(subjectId, Split(subjectId));
        }

        return entry.Names;
    }

    /// <summary>
    /// The names of <paramref name="subjectId"/> (which starts with <see cref="Prefix"/>); null without a colon between
    /// a namespace and a name.
    /// </summary>
    public static Names? Split(string subjectId)
    {
        var rest = subjectId.AsSpan(Prefix.Length);
        var colon = rest.IndexOf(':');
        return colon > 0 ? new Names(rest[..colon].ToString(), string.Concat(rest[..colon], "/", rest[(colon + 1)..])) : null;
    }

    /// <param name="Namespace">The service account's namespace.</param>
    /// <param name="Account"><c>namespace/name</c>.</param>
    internal readonly record struct Names(string Namespace, string Account);

    private readonly record struct Entry(string? Subject, Names? Names);
}
