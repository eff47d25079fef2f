namespace ZtStream.Responder.Outbox;

/// <summary>
/// The columns every outbox table has, whatever it delivers: the item's id, its state, how many attempts it took, when
/// it is next due (also its lease while an attempt runs), when it ended, and why the last attempt failed.
/// </summary>
internal abstract record OutboxRow
{
    public required long Id { get; init; }

    public required string State { get; init; }

    public required long Attempts { get; init; }

    public required DateTimeOffset NextAttemptAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public string? LastError { get; init; }
}
