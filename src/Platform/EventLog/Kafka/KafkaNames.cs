namespace ZtStream.Platform.EventLog.Kafka;

/// <summary>
/// The names ZtStream's topics and consumer groups have on a Kafka cluster: their own behind
/// <see cref="Options.EventLogOptions.KafkaPrefix"/>, so deployments (or tenants, or test runs) can share one cluster
/// without reading each other's events or joining each other's groups, and each can be granted PREFIXED ACLs. Everything
/// above the Kafka log (handlers, dead-lettering, browsing) sees the logical names only.
/// </summary>
internal sealed class KafkaNames(string? prefix)
{
    private readonly string _prefix = prefix ?? string.Empty;

    /// <summary>The name <paramref name="topic"/> has on the cluster.</summary>
    public string Topic(string topic) => _prefix.Length == 0 ? topic : _prefix + topic;

    /// <summary>The name consumer group <paramref name="group"/> has on the cluster.</summary>
    public string Group(string group) => _prefix.Length == 0 ? group : _prefix + group;

    /// <summary>
    /// The logical name of <paramref name="topic"/> as the cluster names it: one of <paramref name="known"/> when it is
    /// that topic's name (no string is made per record), else the name with the prefix cut off.
    /// </summary>
    public string Logical(string topic, IReadOnlyList<string> known)
    {
        if (_prefix.Length == 0)
        {
            return topic;
        }

        foreach (var name in known)
        {
            if (topic.Length == _prefix.Length + name.Length && topic.StartsWith(_prefix, StringComparison.Ordinal) && topic.EndsWith(name, StringComparison.Ordinal))
            {
                return name;
            }
        }

        return topic.StartsWith(_prefix, StringComparison.Ordinal) ? topic[_prefix.Length..] : topic;
    }
}
