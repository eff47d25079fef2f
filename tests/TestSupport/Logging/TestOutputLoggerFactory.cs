namespace ZtStream.TestSupport.Logging;

/// <summary>Loggers that write to the running test's output (shown with a failed test's result).</summary>
public static class TestOutputLoggerFactory
{
    public static ILoggerFactory Create(LogLevel minimum = LogLevel.Information) =>
        LoggerFactory.Create(builder => builder.SetMinimumLevel(minimum).AddProvider(new Provider()));

    private sealed class Provider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new LineLogger((level, _, message, exception) => Write(categoryName, level, message, exception));

        public void Dispose()
        {
        }
    }

    private static void Write(string category, LogLevel level, string message, Exception? exception)
    {
        var output = TestContext.Current.TestOutputHelper;
        if (output is null)
        {
            return;
        }

        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {level} {category}: {message}{(exception is null ? "" : " " + exception)}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished (a background consumer still logging): nothing to write to.
        }
    }
}
