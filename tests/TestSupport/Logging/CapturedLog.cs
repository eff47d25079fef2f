namespace ZtStream.TestSupport.Logging;

/// <summary>A logger provider that keeps every line (event id and formatted message), for tests that read what was logged.</summary>
public sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<(EventId Id, string Message)> lines = new();
    private readonly ConcurrentQueue<Exception> exceptions = new();

    public IReadOnlyList<(EventId Id, string Message)> Lines => [.. lines];

    /// <summary>Called with each line as it is logged, on the logging thread: a test acts at that point of the code.</summary>
    public Action<EventId, string>? OnLine { get; init; }

    /// <summary>The exceptions logged with a line, in order.</summary>
    public IReadOnlyList<Exception> Exceptions => [.. exceptions];

    public ILogger CreateLogger(string categoryName) => new LineLogger(Keep);

    public void Dispose()
    {
    }

    private void Keep(LogLevel level, EventId id, string message, Exception? exception)
    {
        lines.Enqueue((id, message));
        if (exception is not null)
        {
            exceptions.Enqueue(exception);
        }

        OnLine?.Invoke(id, message);
    }
}
