namespace ZtStream.Platform.EventLog;

/// <summary>
/// A log that can hold back appends while its consumers are too far behind (<c>EventLog:MaxConsumerLag</c>): the file
/// and memory logs, whose consumers share the process with the appender. Ingest asks before it appends, so a backlog
/// turns into slower acknowledgements instead of growing time to enforcement.
/// </summary>
internal interface IAppendAdmission
{
    /// <summary>
    /// Returns once every group consuming <paramref name="topic"/> is within the allowed lag (at once when no limit is
    /// set); throws <see cref="EventLogUnavailableException"/> when that takes longer than the append timeout.
    /// </summary>
    ValueTask WaitForRoomAsync(string topic, CancellationToken cancellationToken);
}
