namespace ZtStream.Platform.Store;

/// <summary>Store log messages: event ids 2000–2099.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Store: {Dialect} at {Location}")]
    public static partial void StoreOpened(ILogger logger, StoreDialect dialect, string location);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Applied migration {Component} {Version} ({Name}) in {ElapsedMs} ms")]
    public static partial void MigrationApplied(ILogger logger, string component, int version, string name, long elapsedMs);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Schema up to date: {Applied} migration(s) applied now, {Total} known")]
    public static partial void SchemaUpToDate(ILogger logger, int applied, int total);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "The database records migration {Component} {Version} ({Name}), which this version of ZtStream does not know; it was written by a newer version")]
    public static partial void UnknownMigrationRecorded(ILogger logger, string component, int version, string name);
}
