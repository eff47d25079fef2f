using ZtStream.TestSupport.Files;

namespace ZtStream.Platform.Tests.Hosting;

public sealed class UserFilesTests : IDisposable
{
    private readonly TempFolder folder = new("zt-userfiles-");

    public void Dispose() => folder.Dispose();

    /// <summary>
    /// A named pipe or a device where a file is expected is named for what it is, looked at without opening it. Before,
    /// both passed the check (<c>File.Exists</c> is true for them): the pipe then blocked the read until something wrote
    /// to it, the device was read to the bound. A file its mode does not let be read is refused in a process of its own
    /// (tests/EndToEnd/Files/UserNamedFilesTests), where root can be run without its override of file modes.
    /// </summary>
    [Theory]
    [InlineData(OddFiles.Fifo)]
    [InlineData(OddFiles.DevZero)]
    [InlineData(OddFiles.LinkLoop)]
    public async Task ReadProblem_NotAReadableRegularFile_OneLineNamingItAndWhatItIs(string kind)
    {
        var path = await OddFiles.MakeAsync(kind, folder.Path);

        var problem = UserFiles.ReadProblem(path, "policy file");

        Assert.NotNull(problem);
        Assert.StartsWith($"policy file '{path}' ", problem, StringComparison.Ordinal);
        Assert.Contains(OddFiles.Refusal(kind), problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
    }

    /// <summary>Reading one is refused the same way, at once: the pipe is opened without waiting for a writer.</summary>
    [Theory]
    [InlineData(OddFiles.Fifo)]
    [InlineData(OddFiles.DevZero)]
    public async Task ReadText_NotARegularFile_RefusedNamingWhatItIs(string kind)
    {
        var path = await OddFiles.MakeAsync(kind, folder.Path);

        // Run apart so a read that waits for a writer fails the test instead of holding it.
        var read = Task.Run(() => UserFiles.ReadText(path), Ct);
        var refused = await Assert.ThrowsAsync<IOException>(() => read.WaitAsync(TimeSpan.FromSeconds(30), Ct));

        Assert.Equal($"'{path}' {OddFiles.Refusal(kind)}", refused.Message);
    }

    /// <summary>A recording to replay may be a pipe (tail -f into a FIFO): refused only when it is a folder or missing.</summary>
    [Fact]
    public async Task StreamProblem_NamedPipe_IsAnInputToReadAsItComes()
    {
        var path = await OddFiles.MakeAsync(OddFiles.Fifo, folder.Path);

        Assert.Null(UserFiles.StreamProblem(path, "file"));
        Assert.Contains("is a folder", UserFiles.StreamProblem(folder.Path, "file"), StringComparison.Ordinal);
    }

    /// <summary>
    /// A document saved as UTF-16 with its byte order mark (Windows PowerShell's <c>&gt;</c> and <c>Out-File</c> write
    /// one) is read as the text it holds, as the configuration file's reader reads it. Before, its bytes were decoded as
    /// UTF-8: a rule file was "not valid YAML: … did not find expected key", a labels file "'0xEF' is an invalid start".
    /// </summary>
    [Theory]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    public async Task ReadText_Utf16WithByteOrderMark_ReadsTheText(string encoding)
    {
        var path = Path.Combine(folder.Path, "rules.yml");
        const string text = "title: Pod exec — ünïcode\r\nlevel: high\n";
        await File.WriteAllTextAsync(path, text, Encoding.GetEncoding(encoding), Ct);

        Assert.Equal(text, UserFiles.ReadText(path));
    }

    /// <summary>A key file longer than a key is refused by the check, before anything reads it.</summary>
    [Fact]
    public async Task ReadProblem_LongerThanTheBound_SaysHowMuchItMayHold()
    {
        var path = Path.Combine(folder.Path, "key");
        await File.WriteAllTextAsync(path, new string('k', UserFiles.MaxKeyFileBytes + 1), Ct);

        var problem = UserFiles.ReadProblem(path, "--key-file", UserFiles.MaxKeyFileBytes);

        Assert.Equal($"--key-file '{path}' holds more than 4096 bytes, more than such a file can be", problem);
        Assert.Null(UserFiles.ReadProblem(path, "--key-file"));
    }

    /// <summary>
    /// A 64 MiB source file (a vendor's export read whole) is read into one buffer of its length. The buffer that doubled
    /// to it allocated about four times the file: 64 KiB, 128 KiB … 64 MiB, then 128 MiB to look one byte past it.
    /// </summary>
    [Fact]
    public async Task ReadUpTo_RegularFile_AllocatesItsLengthOnceNotByDoubling()
    {
        const int size = 64 * 1024 * 1024;
        var path = Path.Combine(folder.Path, "export.json");
        await using (var file = File.Create(path))
        {
            file.SetLength(size);
        }

        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var bytes = UserFiles.ReadUpTo(stream, size + 1);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(size, bytes.Length);
        Assert.InRange(allocated, size, size + (size / 8));
    }
}
