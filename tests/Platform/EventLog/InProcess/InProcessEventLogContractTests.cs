namespace ZtStream.Platform.Tests.EventLog.InProcess;

public sealed class InProcessEventLogContractTests : EventLogContractTests
{
    private protected override IEventLog CreateLog(EventLogOptions options) =>
        new InProcessEventLog(options, TimeProvider.System, NullLogger<InProcessEventLog>.Instance);

    private protected override int PartitionCount(IEventLog log, string topic) => 3;
}
