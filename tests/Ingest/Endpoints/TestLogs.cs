using Microsoft.Extensions.Logging.Abstractions;
using ZtStream.Platform.EventLog;
using ZtStream.Platform.EventLog.InProcess;
using ZtStream.Platform.Options;

namespace ZtStream.Ingest.Tests.Endpoints;

/// <summary>The event-log implementations the endpoint tests run against.</summary>
internal static class TestLogs
{
    public const string InProcess = "inprocess";
    public const string Kafka = "kafka";

    public static Task<IEventLog> CreateAsync(string kind) => kind switch
    {
        InProcess => Task.FromResult<IEventLog>(new InProcessEventLog(new EventLogOptions(), TimeProvider.System, NullLogger<InProcessEventLog>.Instance)),
        _ => CreateKafkaAsync(),
    };

    private static Task<IEventLog> CreateKafkaAsync()
    {
        ZtStream.TestSupport.Services.ServiceRequirement.Unavailable("Kafka", "the Kafka event log is not in this build yet");
        throw new InvalidOperationException("unreachable");
    }
}
