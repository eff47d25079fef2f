using ZtStream.Ingest.Sources.Tetragon;

namespace ZtStream.Verifier.Tests.Rules.Falco;

/// <summary>
/// Tetragon <c>process_exec</c> lines in the export's shape (<c>GetEventsResponse</c>: the event under its type beside
/// <c>node_name</c> and <c>time</c>; a process's <c>pod</c>, <c>container</c>, <c>image</c>, <c>user</c> as Tetragon's
/// Process message names them), mapped by the mapper <c>/v1/sources/tetragon</c> uses, with falcosecurity/rules'
/// <c>falco_rules.yaml</c> beside them.
/// </summary>
internal static class FalcoSyscallTestData
{
    public const string StockRules = "falco_rules.rules-f69f433.yaml";

    /// <summary>falcosecurity/rules' other two rules files, each as shipped (README.txt in the folder names their commits).</summary>
    public const string IncubatingRules = "falco-incubating_rules.rules-f69f433.yaml";

    public const string SandboxRules = "falco-sandbox_rules.rules-18aa700.yaml";

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "TestData", "falco-syscall");

    public static (string Path, string Text) StockFile() => RulesFile(StockRules);

    public static (string Path, string Text) RulesFile(string name)
    {
        var path = Path.Combine(Folder, "rules", name);
        return (path, File.ReadAllText(path));
    }

    /// <summary>The parent's members most execs below have: a shell running a script.</summary>
    public const string ShellParent = "\"binary\":\"/bin/bash\",\"arguments\":\"-c entrypoint.sh\",\"pid\":42099";

    /// <summary>A pod's container as Tetragon writes it, the runtime's scheme on the id.</summary>
    public static string Pod(string ns = "payments", string name = "checkout-7d9f8c-x2x4q", string image = "registry.example.com/payments/checkout:2.4.1", string container = "checkout") => $$"""
        "pod":{"namespace":"{{ns}}","name":"{{name}}","container":{"id":"containerd://4f1c9a2b7e3d5c6a8b9f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5e4f3","name":"{{container}}",
          "image":{"id":"{{image.Split(':')[0]}}@sha256:0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c","name":"{{image}}"},"start_time":"2026-11-30T08:00:00Z","pid":17},
          "pod_labels":{"app":"checkout"},"workload":"checkout","workload_kind":"Deployment"},
        """;

    /// <summary>
    /// One exec. <paramref name="arguments"/> null leaves the member out (Tetragon's JSON omits an empty string);
    /// <paramref name="pod"/> is <see cref="Pod"/>'s text or "" for a host process; <paramref name="parent"/> is the
    /// parent's members or null for none; <paramref name="ancestors"/> the <c>ancestors</c> list's items, the parent's
    /// parent first (Tetragon's <c>--enable-ancestors base</c>), or null to leave the list out.
    /// </summary>
    public static string Exec(
        string binary,
        string? arguments = null,
        string pod = "",
        string? parent = ShellParent,
        int uid = 0,
        string? user = "root",
        string cwd = "/app",
        string extra = "",
        string? ancestors = null) => $$"""
        {"process_exec":{"process":{"exec_id":"dHotbm9kZS1hOjkwMDAwMDAwMDAwOjQyMTAx","pid":42101,"uid":{{uid}},"cwd":"{{cwd}}","binary":"{{binary}}",
          {{(arguments is null ? "" : $"\"arguments\":\"{arguments.Replace("\\", "\\\\").Replace("\"", "\\\"")}\",")}}
          "flags":"execve clone","start_time":"2026-11-30T09:00:00.123456789Z","auid":4294967295,{{pod}}
          {{(user is null ? "" : $"\"user\":{{\"name\":\"{user}\"}},")}}"parent_exec_id":"dHotbm9kZS1hOjg5OTk5OTk5OTk5OjQyMDk5","refcnt":1{{extra}}}
          {{(parent is null ? "" : $",\"parent\":{{\"exec_id\":\"dHotbm9kZS1hOjg5OTk5OTk5OTk5OjQyMDk5\",\"uid\":0,\"cwd\":\"/app\",{parent},\"flags\":\"execve clone\",\"start_time\":\"2026-11-30T08:59:59.990000000Z\"}}")}}{{(ancestors is null ? "" : $",\"ancestors\":[{ancestors}]")}}},
         "node_name":"node-a","time":"2026-11-30T09:00:00.123456000Z"}
        """;

    /// <summary>One item of an <c>ancestors</c> list as Tetragon writes a Process: its binary, arguments and pid.</summary>
    public static string Ancestor(string binary, string? arguments = null, int pid = 4000) =>
        $$"""{"exec_id":"dHotbm9kZS1hOjEwMDA6{{pid}}","pid":{{pid}},"uid":0,"cwd":"/","binary":"{{binary}}",{{(arguments is null ? "" : $"\"arguments\":\"{arguments}\",")}}"flags":"execve","start_time":"2026-11-30T08:00:00Z"}""";

    /// <summary>A local rules file of one syscall rule, <paramref name="name"/>, with <paramref name="condition"/>.</summary>
    public static RuleLoadResult LoadRule(string name, string condition) => FalcoTestData.Load(("local_rules.yaml", $"""
        - rule: {name}
          desc: x
          condition: {condition}
          output: o
          priority: WARNING
        """));

    /// <summary>The exec as Ingest keeps it: Tetragon's mapper, one <c>runtime.process</c> event.</summary>
    public static RuleEvent Event(string line)
    {
        var result = TetragonMapper.Map(Encoding.UTF8.GetBytes(line.ReplaceLineEndings(" ")));
        Assert.Empty(result.Errors);
        return new RuleEvent(Assert.Single(result.Events));
    }
}
