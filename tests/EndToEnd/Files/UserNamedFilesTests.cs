namespace ZtStream.EndToEnd.Files;

/// <summary>
/// Files a user names to <c>ztstream run</c> — the configuration, the response policy, an API token file, the Shared
/// Signals signing key, a kubeconfig — that are not the small regular file expected: a named pipe nothing writes to,
/// <c>/dev/zero</c>, a 2 GiB dump, a folder, a symbolic link loop, a file that cannot be read. The process exits 2 with
/// one line naming the file and what it is, as a user runs it, instead of hanging on the pipe or reading the device
/// or the dump until memory runs out.
/// </summary>
public sealed class UserNamedFilesTests() : ProcessTests("zt-e2e-files-")
{
    private const string Config = "--config";
    private const string ResponsePolicy = "Responder:PolicyPath";
    private const string TokenFile = "Responder:ApiTokens:0:TokenFile";
    private const string SigningKey = "Responder:Drivers:SharedSignals:SigningKeyPath";
    private const string Kubeconfig = "Responder:Drivers:Kubernetes:KubeconfigPath";

    [Theory]
    [InlineData(Config, OddFiles.Fifo)]
    [InlineData(Config, OddFiles.DevZero)]
    [InlineData(Config, OddFiles.LinkLoop)]
    [InlineData(Config, OddFiles.Unreadable)]
    [InlineData(ResponsePolicy, OddFiles.Fifo)]
    [InlineData(ResponsePolicy, OddFiles.DevZero)]
    [InlineData(ResponsePolicy, OddFiles.Huge)]
    [InlineData(ResponsePolicy, OddFiles.Folder)]
    [InlineData(ResponsePolicy, OddFiles.LinkLoop)]
    [InlineData(ResponsePolicy, OddFiles.Unreadable)]
    [InlineData(TokenFile, OddFiles.Fifo)]
    [InlineData(TokenFile, OddFiles.DevZero)]
    [InlineData(TokenFile, OddFiles.Folder)]
    [InlineData(SigningKey, OddFiles.Fifo)]
    [InlineData(SigningKey, OddFiles.Huge)]
    [InlineData(Kubeconfig, OddFiles.Fifo)]
    [InlineData(Kubeconfig, OddFiles.DevZero)]
    public async Task Run_SettingNamesWhatIsNoSuchFile_ExitsTwoWithOneLineNamingIt(string setting, string kind)
    {
        OddFiles.SkipWhenRootReadsAnyway(kind);
        var ct = Ct;
        var path = await OddFiles.MakeAsync(kind, Processes.Folder.FullName);

        // As root (CI), the unreadable file is refused by the kernel only to a process without root's override of file modes.
        // A start that waits on the pipe, or reads the device or the dump until memory runs out, never exits.
        var run = await Processes.RunToExitAsync($"run-{kind}", Arguments(setting, path), 2, TimeSpan.FromSeconds(120), ct, launcher: OddFiles.WithoutOverride(kind));

        var line = Assert.Single(run.Output.Split('\n'), l => l.Contains($"'{path}'", StringComparison.Ordinal));
        Assert.Contains(setting, line, StringComparison.Ordinal);
        Assert.Contains(OddFiles.Refusal(kind), line, StringComparison.Ordinal);
    }

    private string[] Arguments(string setting, string path)
    {
        if (setting == Config)
        {
            return ["run", Config, path];
        }

        string[] run = ["run", "--urls", "http://127.0.0.1:0", "--sqlite", Processes.SqlitePath];
        string[] with = setting switch
        {
            TokenFile => ["Responder:ApiTokens:0:Name=console", "Responder:ApiTokens:0:Role=responder"],
            SigningKey => ["Responder:Drivers:TokenRevokers:0=ssf", "Responder:Drivers:SharedSignals:Issuer=https://ssf.example.com"],
            Kubeconfig => ["Responder:Drivers:Isolation=kubernetes"],
            _ => [],
        };
        return [.. run, .. with.Append($"{setting}={path}").SelectMany(s => new[] { "--set", s })];
    }
}
