namespace ZtStream.Contracts.Alerts;

/// <summary>
/// A bounded summary of one evidence event of an alert: what happened, when, by whom, where and to what, and the
/// values of the fields the alert's reasons were computed from. The source's original object (<see cref="Raw"/>) is
/// kept for the first few events only and only while it is small, so an alert stays small enough to store and stream.
/// </summary>
public sealed record AlertEvidence
{
    /// <summary>At most this many summaries per alert; later evidence still counts in <see cref="Alert.Count"/> and, up to its own cap, <see cref="Alert.EvidenceEventIds"/>.</summary>
    public const int MaxPerAlert = 16;

    /// <summary>The original object is kept for at most this many summaries of an alert.</summary>
    public const int MaxWithRaw = 4;

    /// <summary>The original object is kept only when its JSON is at most this many bytes; otherwise <see cref="RawOmittedBytes"/> says how large it was.</summary>
    public const int MaxRawBytes = 8 * 1024;

    /// <summary>The event's id.</summary>
    public required string EventId { get; init; }

    /// <summary>The event's kind (<c>access.request</c>, <c>k8s.audit</c> …).</summary>
    public required string Kind { get; init; }

    /// <summary>Event time.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The source that delivered it.</summary>
    public string? Source { get; init; }

    /// <summary>The acting subject's id.</summary>
    public string? Subject { get; init; }

    /// <summary>The acting workload as <c>namespace/name</c>, else its id.</summary>
    public string? Workload { get; init; }

    /// <summary>What was accessed, as <c>type/id</c>, with the data class in brackets when there is one.</summary>
    public string? Resource { get; init; }

    /// <summary>The verb.</summary>
    public string? Action { get; init; }

    /// <summary>success, denied, error.</summary>
    public string? Outcome { get; init; }

    /// <summary>
    /// The fields the reasons of this event used, by canonical field path (<c>bytes</c>, <c>token.bound_workload</c>,
    /// <c>network.src_ip</c>), with their values as text. Empty when no reason names a field.
    /// </summary>
    public IReadOnlyDictionary<string, string> Fields { get => field ?? EmptyFields; init; }

    /// <summary>The source's original object (<c>AccessEvent.Raw</c>) when it was kept and is at most <see cref="MaxRawBytes"/>.</summary>
    public JsonElement? Raw { get; init; }

    /// <summary>The size in bytes of an original object that was too large to keep; null when it was kept or there was none.</summary>
    public int? RawOmittedBytes { get; init; }

    private static readonly IReadOnlyDictionary<string, string> EmptyFields = new Dictionary<string, string>();
}
