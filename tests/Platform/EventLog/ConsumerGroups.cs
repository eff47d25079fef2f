namespace ZtStream.Platform.Tests.EventLog;

/// <summary>The consumer groups a test starts on a log, every one of them stopped when it is disposed.</summary>
internal sealed class ConsumerGroups : IDisposable
{
    private readonly List<CancellationTokenSource> _stops = [];

    /// <summary>Starts <paramref name="group"/> on <paramref name="topic"/>; it runs until it is stopped or this is disposed.</summary>
    public (CancellationTokenSource Stop, Task Running) Start(IEventLog log, string topic, string group, IRecordHandler handler)
    {
        var stop = new CancellationTokenSource();
        _stops.Add(stop);
        return (stop, log.ConsumeAsync(new ConsumerSpec(group, [topic]), handler, stop.Token));
    }

    public void Dispose()
    {
        foreach (var stop in _stops)
        {
            stop.Cancel();
            stop.Dispose();
        }
    }
}
