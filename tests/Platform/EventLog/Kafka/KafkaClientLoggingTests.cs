using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace ZtStream.Platform.Tests.EventLog.Kafka;

/// <summary>
/// A client's outage as its log shows it, on a fake clock: librdkafka's report of every failed reconnect (a FAIL line
/// and a transport error each) becomes one warning, a reminder every five minutes and one line when it is back.
/// </summary>
public sealed class KafkaClientLoggingTests
{
    private const string Client = "ztstream-producer#producer-1";
    private const string Up = """{"name":"ztstream-producer#producer-1","brokers":{"192.0.2.10:9092/1":{"name":"192.0.2.10:9092/1","nodeid":1,"state":"UP"}}}""";
    private const string Down = """{"name":"ztstream-producer#producer-1","brokers":{"192.0.2.10:9092/1":{"name":"192.0.2.10:9092/1","nodeid":1,"state":"TRY_CONNECT"}}}""";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));
    private readonly CapturedLog _captured = new();

    [Fact]
    public void BrokerDownForTwelveMinutes_ReconnectEverySecond_OneWarningTwoRemindersOneLineWhenBack()
    {
        var logging = Logging();
        for (var second = 0; second < 12 * 60; second++)
        {
            FailedAttempt(logging);
            logging.Statistics(Client, second % 5 == 0 ? Down : Up);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal([1032, 1033, 1033], Lines(_captured));
        Assert.Contains("cannot reach the Kafka brokers: 192.0.2.10:9092/1: Connect to ipv4#192.0.2.10:9092 failed: Connection refused", _captured.Lines[0].Message, StringComparison.Ordinal);
        Assert.Contains("still cannot reach the Kafka brokers after 00:05:00", _captured.Lines[1].Message, StringComparison.Ordinal);
        Assert.Contains("(300 failed attempts since the last warning)", _captured.Lines[1].Message, StringComparison.Ordinal);

        // Back: failures stop; the first report showing a broker up after a quiet while ends the outage, once.
        _time.Advance(TimeSpan.FromSeconds(5));
        logging.Statistics(Client, Up);
        Assert.True(logging.Down);
        _time.Advance(TimeSpan.FromSeconds(10));
        logging.Statistics(Client, Down);
        Assert.True(logging.Down);
        logging.Statistics(Client, Up);
        logging.Statistics(Client, Up);
        Assert.False(logging.Down);
        Assert.Equal([1032, 1033, 1033, 1034], Lines(_captured));
        Assert.Contains("reaches the Kafka brokers again after 00:12:15 (720 failed attempts)", _captured.Lines[3].Message, StringComparison.Ordinal);

        // The next outage is told again.
        FailedAttempt(logging);
        Assert.Equal([1032, 1033, 1033, 1034, 1032], Lines(_captured));
    }

    [Fact]
    public void OtherMessagesAndErrors_LoggedAsBefore()
    {
        var logging = Logging();
        logging.Log(new LogMessage(Client, SyslogLevel.Warning, "CONFWARN", "Configuration property x is deprecated"));
        logging.Error(Client, new Error(ErrorCode.Local_Fatal, "fatal idempotent producer error"));
        logging.Error(Client, new Error(ErrorCode.TopicAuthorizationFailed, "not authorized"));

        Assert.Equal([1011, 1014, 1014], Lines(_captured));
        Assert.False(logging.Down);
    }

    private KafkaClientLogging Logging()
    {
        var factory = LoggerFactory.Create(b => b.AddProvider(_captured).SetMinimumLevel(LogLevel.Information));
        return new KafkaClientLogging(factory.CreateLogger("kafka"), _time);
    }

    /// <summary>What librdkafka reports for one failed reconnect: a FAIL log line and a transport error.</summary>
    private static void FailedAttempt(KafkaClientLogging logging)
    {
        const string reason = "192.0.2.10:9092/1: Connect to ipv4#192.0.2.10:9092 failed: Connection refused (after 0ms in state CONNECT)";
        logging.Log(new LogMessage(Client, SyslogLevel.Error, "FAIL", reason));
        logging.Error(Client, new Error(ErrorCode.Local_Transport, reason));
    }

    private static int[] Lines(CapturedLog captured) => [.. captured.Lines.Select(l => l.Id.Id)];
}
