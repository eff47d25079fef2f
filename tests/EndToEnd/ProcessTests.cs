namespace ZtStream.EndToEnd;

/// <summary>
/// A class of tests that start real <c>ztstream</c> processes: each test gets its own <see cref="Processes"/> (one
/// temporary folder), every process of which is killed and the folder removed after the test, also when it fails.
/// </summary>
public abstract class ProcessTests(string prefix) : IAsyncDisposable
{
    protected ZtStreamProcesses Processes { get; } = new(prefix);

    public async ValueTask DisposeAsync()
    {
        await Processes.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
