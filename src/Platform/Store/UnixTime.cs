namespace ZtStream.Platform.Store;

/// <summary>
/// Tables that keep times as BIGINT Unix milliseconds (so one SQL text serves both dialects) read a nullable one back
/// through here.
/// </summary>
internal static class UnixTime
{
    public static DateTimeOffset? FromMilliseconds(long? ms) => ms is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms.Value);
}
