namespace ZtStream.Ingest.Validation;

/// <summary>
/// <see cref="EventValidator"/> for events read from a file (<c>ztstream replay</c>, rule tests), one instance per file:
/// every check and message of the live endpoints, with the time window taken against when each event can have arrived,
/// since a recording does not say. The file is in arrival order, so an event arrived no earlier than the newest event
/// accepted before it, and no later than <c>now</c> (the time the file is read) when that is given: an event is refused
/// as older than <c>Ingest:MaxEventAge</c> only beside an earlier one, and as ahead of the clock only when dated after
/// the read. A rule test's events are examples dated anywhere, so it gives no <c>now</c>.
/// </summary>
internal sealed class RecordedEventCheck
{
    private readonly ArrivalClock clock;
    private readonly EventValidator validator;
    private readonly bool escapeNames;

    /// <summary>
    /// With <paramref name="escapeNames"/>, for a source adapter's output, ids and names are escaped before they are checked
    /// (<see cref="EventValidator.Escaped"/>), as the live adapter endpoints do; canonical events are checked as written.
    /// </summary>
    public RecordedEventCheck(IngestOptions options, DateTimeOffset? now, bool escapeNames = false)
    {
        clock = new ArrivalClock(now);
        validator = new EventValidator(Microsoft.Extensions.Options.Options.Create(options), clock);
        this.escapeNames = escapeNames;
    }

    /// <summary>A canonical event as written (<see cref="EventValidator.Read"/>, its own <c>source</c> kept), not yet <see cref="Admit"/>ted.</summary>
    public AccessEvent? Read(JsonElement item, int index, List<ItemError> errors) =>
        validator.Read(item, index, string.Empty, errors, out _);

    /// <summary>True when live ingestion would accept <paramref name="e"/> after the events admitted before it; else false with its errors added.</summary>
    public bool Admit(AccessEvent e, int index, List<ItemError> errors)
    {
        clock.Arriving(e.Time);
        if (!validator.Check(e, index, string.Empty, errors))
        {
            return false;
        }

        clock.Accepted(e.Time);
        return true;
    }

    /// <summary>Admits each item of <paramref name="result"/> in order; every error, the map's and the validator's, goes to <paramref name="refused"/>.</summary>
    public List<AccessEvent> Admit(MapResult result, Action<ItemError> refused)
    {
        var events = new List<AccessEvent>(result.Items.Count);
        var errors = new List<ItemError>(result.Errors);
        foreach (var item in result.Items)
        {
            var e = escapeNames ? EventValidator.Escaped(item.Event) : item.Event;
            if (Admit(e, item.Index, errors))
            {
                events.Add(e);
            }
        }

        foreach (var error in errors.OrderBy(e => e.Index))
        {
            refused(error);
        }

        return events;
    }

    /// <summary>
    /// "Now" for the event arriving: its own time, or the newest accepted before it when that is later, and never after the
    /// read time. So <see cref="EventValidator.Check"/> finds it ahead of the clock only past the read time, and too old
    /// only beside an earlier event.
    /// </summary>
    private sealed class ArrivalClock(DateTimeOffset? readAt) : TimeProvider
    {
        private DateTimeOffset? newest;
        private DateTimeOffset now;

        public void Arriving(DateTimeOffset time)
        {
            var arrival = newest is { } n && n > time ? n : time;
            now = readAt is { } r && r < arrival ? r : arrival;
        }

        public void Accepted(DateTimeOffset time)
        {
            if (newest is not { } n || time > n)
            {
                newest = time;
            }
        }

        public override DateTimeOffset GetUtcNow() => now;
    }
}
