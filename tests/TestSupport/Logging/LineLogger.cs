namespace ZtStream.TestSupport.Logging;

/// <summary>
/// A logger that hands each formatted line to <paramref name="write"/>, with no scopes and every level but None: the
/// one logger under the test providers (<see cref="CapturedLog"/>, <see cref="TestOutputLoggerFactory"/>), which differ
/// only in where a line goes.
/// </summary>
internal sealed class LineLogger(Action<LogLevel, EventId, string, Exception?> write) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        write(logLevel, eventId, formatter(state, exception), exception);
}
