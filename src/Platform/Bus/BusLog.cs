namespace ZtStream.Platform.Bus;

/// <summary>Command-bus log messages: event ids 2100–2199.</summary>
internal static partial class BusLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Command bus: {Transport} at {Location}")]
    public static partial void BusConfigured(ILogger logger, string transport, string location);
}
