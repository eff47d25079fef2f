namespace ZtStream.Host.Demo;

/// <summary>
/// A new temporary folder for an embedded pipeline's files (event log, store, keys), removed when disposed. A file still
/// held open at exit is left for the OS to clean: the command's result stands.
/// </summary>
internal sealed class ScratchFolder : IDisposable
{
    private readonly DirectoryInfo folder;

    private ScratchFolder(DirectoryInfo folder) => this.folder = folder;

    public string Path => folder.FullName;

    /// <summary>A folder named <paramref name="prefix"/> and a random suffix in the system's temporary folder.</summary>
    public static ScratchFolder Create(string prefix) => new(Directory.CreateTempSubdirectory(prefix));

    public void Dispose()
    {
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS.
        }
    }
}
