using Confluent.Kafka;

namespace ZtStream.Platform.EventLog.Kafka;

/// <summary>
/// Bridges one Kafka client's librdkafka log, error and statistics callbacks to <see cref="ILogger"/>. librdkafka
/// reconnects to a broker that is down for as long as it stays down (every <c>reconnect.backoff.max.ms</c>, 10 s by
/// default) and reports each failed attempt twice (a <c>FAIL</c> log line and a transport error): logged as they come,
/// that is two warnings per client every few seconds for the whole outage. The outage is logged instead: one warning
/// when the client first cannot reach a broker, a reminder every <see cref="ReminderInterval"/> while it lasts (with the
/// failed attempts since), and one line when it is back (a statistics report that shows a broker up and no failure
/// for <see cref="QuietBeforeBack"/>). The attempts in between go to the debug level, where nothing is lost.
/// </summary>
internal sealed class KafkaClientLogging(ILogger logger, TimeProvider time)
{
    /// <summary>How often a client's statistics are reported (<c>statistics.interval.ms</c>) unless configured.</summary>
    public const int StatisticsIntervalMs = 5_000;

    /// <summary>How often a lasting outage is logged again.</summary>
    public static readonly TimeSpan ReminderInterval = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a client must report no failure before it counts as back: longer than librdkafka's default longest
    /// reconnect backoff (10 s, with 20 % jitter), so a broker still down among others that are up is not "back".
    /// </summary>
    public static readonly TimeSpan QuietBeforeBack = TimeSpan.FromSeconds(15);

    private readonly Lock _gate = new();
    private long _downSince = -1;
    private long _lastFailure;
    private long _lastWarned;
    private long _failures;
    private long _failuresSinceWarned;

    /// <summary>Whether the client is in an outage (for tests).</summary>
    internal bool Down
    {
        get
        {
            lock (_gate)
            {
                return _downSince >= 0;
            }
        }
    }

    /// <summary>The librdkafka settings every client gets unless configured: statistics, which tell when an outage ends.</summary>
    public static void AddDefaults(IDictionary<string, string> settings)
    {
        settings.TryAdd("statistics.interval.ms", StatisticsIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public void Log(LogMessage message)
    {
        // FAIL: a broker connection failed (an error) or was closed (info: also a broker closing an idle connection,
        // which is logged as before unless an outage is on).
        if (message.Facility == "FAIL" && (message.Level <= SyslogLevel.Warning || Down))
        {
            Failed(message.Name, message.Message, attempt: true);
            EventLogLog.KafkaDebug(logger, message.Facility, message.Name, message.Message);
            return;
        }

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

    public void Error(string clientName, Error error)
    {
        if ((error.Code is ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown or ErrorCode.Local_Resolve) && !error.IsFatal)
        {
            // The same failure as the FAIL line beside it (or all brokers down): not an attempt of its own.
            Failed(clientName, error.Reason, attempt: false);
            EventLogLog.KafkaDebug(logger, error.Code.ToString(), clientName, error.Reason);
            return;
        }

        EventLogLog.KafkaClientError(logger, clientName, error.Code.ToString(), error.Reason);
    }

    /// <summary>A statistics report (JSON): ends an outage once a broker is up and the client has been quiet a while.</summary>
    public void Statistics(string clientName, string json)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (_downSince < 0 || time.GetElapsedTime(_lastFailure, now) < QuietBeforeBack || !AnyBrokerUp(json))
            {
                return;
            }

            EventLogLog.KafkaBrokersBack(logger, clientName, time.GetElapsedTime(_downSince, now), _failures);
            _downSince = -1;
        }
    }

    private void Failed(string clientName, string reason, bool attempt)
    {
        lock (_gate)
        {
            var now = time.GetTimestamp();
            _lastFailure = now;
            if (_downSince < 0)
            {
                _downSince = now;
                _lastWarned = now;
                _failures = attempt ? 1 : 0;
                _failuresSinceWarned = 0;
                EventLogLog.KafkaBrokersUnreachable(logger, clientName, reason, ReminderInterval);
                return;
            }

            if (attempt)
            {
                _failures++;
                _failuresSinceWarned++;
            }

            if (time.GetElapsedTime(_lastWarned, now) >= ReminderInterval)
            {
                EventLogLog.KafkaBrokersStillUnreachable(logger, clientName, time.GetElapsedTime(_downSince, now), reason, _failuresSinceWarned);
                _lastWarned = now;
                _failuresSinceWarned = 0;
            }
        }
    }

    /// <summary>Whether the report's <c>brokers</c> holds one in state <c>UP</c>.</summary>
    private static bool AnyBrokerUp(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (!document.RootElement.TryGetProperty("brokers", out var brokers) || brokers.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            foreach (var broker in brokers.EnumerateObject())
            {
                if (broker.Value.ValueKind == JsonValueKind.Object && broker.Value.TryGetProperty("state", out var state) && state.ValueEquals("UP"))
                {
                    return true;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
