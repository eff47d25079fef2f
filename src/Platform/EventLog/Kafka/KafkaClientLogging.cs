using Confluent.Kafka;

namespace ZtStream.Platform.EventLog.Kafka;

/// <summary>Bridges librdkafka's log and error callbacks to <see cref="ILogger"/>.</summary>
internal static class KafkaClientLogging
{
    public static void Log(ILogger logger, LogMessage message)
    {
        switch (message.Level)
        {
            case SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error:
                EventLogLog.KafkaErrorLog(logger, message.Facility, message.Name, message.Message);
                break;
            case SyslogLevel.Warning:
                EventLogLog.KafkaWarning(logger, message.Facility, message.Name, message.Message);
                break;
            case SyslogLevel.Notice or SyslogLevel.Info:
                EventLogLog.KafkaInfo(logger, message.Facility, message.Name, message.Message);
                break;
            default:
                EventLogLog.KafkaDebug(logger, message.Facility, message.Name, message.Message);
                break;
        }
    }

    public static void Error(ILogger logger, string clientName, Error error) =>
        EventLogLog.KafkaClientError(logger, clientName, error.Code.ToString(), error.Reason);
}
