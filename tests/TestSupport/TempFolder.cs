namespace ZtStream.TestSupport;

/// <summary>
/// A temporary folder of one test's own, removed with everything in it on disposal — also when the test fails, which a
/// hand-written try/finally around each test got wrong as often as right. SQLite's pooled connections are let go first,
/// since they keep a database file open; a file a process still exiting holds leaves the folder to the OS temp cleaner
/// rather than failing a test that has already passed.
/// </summary>
public sealed class TempFolder(string prefix = "zt-test-") : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Reclaimed by the OS temp cleaner.
        }
    }
}
