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

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            log.lines.Enqueue((eventId, message));
            if (exception is not null)
            {
                log.exceptions.Enqueue(exception);
            }

            log.OnLine?.Invoke(eventId, message);
        }
    }
}
