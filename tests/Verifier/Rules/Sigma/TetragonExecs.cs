using System.Text.Json.Nodes;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// Tetragon <c>process_exec</c> records written after Tetragon's export (a <c>GetEventsResponse</c> per line: the process
/// with its <c>binary</c>, <c>arguments</c> (argv[1..] joined), <c>cwd</c>, <c>uid</c>, <c>user.name</c>, <c>pid</c> and
/// <c>pod</c>, beside its <c>parent</c>), mapped by the reader Ingest and <c>ztstream replay --format tetragon</c> use.
/// </summary>
internal static class TetragonExecs
{
    public const string Format = "tetragon";
    private static int next;

    /// <summary>
    /// An exec of <paramref name="binary"/>; <paramref name="arguments"/> null leaves the member out (a process run
    /// without arguments), <paramref name="parent"/> null leaves the parent out (Tetragon writes none for a process whose
    /// parent it did not see), <paramref name="pod"/> false is a process of the node, outside any pod.
    /// </summary>
    public static string Exec(
        string binary,
        string? arguments,
        string? parent = "/bin/bash",
        string? parentArguments = null,
        string cwd = "/root",
        int uid = 0,
        string? user = "root",
        bool pod = true)
    {
        var n = Interlocked.Increment(ref next);
        var process = new JsonObject
        {
            ["exec_id"] = $"d29ya2VyLTE6{n}",
            ["pid"] = 40000 + n,
            ["uid"] = uid,
            ["cwd"] = cwd,
            ["binary"] = binary,
            ["flags"] = "execve clone",
            ["start_time"] = $"2026-12-01T10:00:{n % 60:D2}.123456789Z",
            ["auid"] = 4294967295L,
            ["parent_exec_id"] = $"d29ya2VyLTE6cA{n}",
            ["refcnt"] = 1,
            ["tid"] = 40000 + n,
        };
        WithOptional(process, arguments, user, pod);

        var body = new JsonObject { ["process"] = process, ["ancestors"] = new JsonArray() };
        if (parent is not null)
        {
            var p = new JsonObject { ["exec_id"] = $"d29ya2VyLTE6cA{n}", ["pid"] = 30000 + n, ["uid"] = uid, ["cwd"] = cwd, ["binary"] = parent, ["flags"] = "execve" };
            if (parentArguments is not null)
            {
                p["arguments"] = parentArguments;
            }

            body["parent"] = p;
        }

        return new JsonObject { ["process_exec"] = body, ["node_name"] = "worker-1", ["time"] = $"2026-12-01T10:00:{n % 60:D2}.123456789Z" }.ToJsonString();
    }

    /// <summary>
    /// Adds to a Tetragon <c>process</c> what a record may leave out: its <c>arguments</c>, its <c>user</c> (Tetragon's
    /// <c>--username-metadata</c>) and, for a process in a pod, the <c>pod</c> and <c>docker</c> members.
    /// </summary>
    internal static void WithOptional(JsonObject process, string? arguments, string? user, bool pod)
    {
        if (arguments is not null)
        {
            process["arguments"] = arguments;
        }

        if (user is not null)
        {
            process["user"] = new JsonObject { ["name"] = user };
        }

        if (pod)
        {
            process["pod"] = new JsonObject
            {
                ["namespace"] = "payments",
                ["name"] = "checkout-7d9f8-x2k4q",
                ["container"] = new JsonObject
                {
                    ["id"] = "containerd://3f1c2b9a8e7d6c5b4a3928171605f4e3d2c1b0a99887766554433221100ffeed",
                    ["name"] = "checkout",
                    ["image"] = new JsonObject { ["id"] = "registry.example.com/payments/checkout@sha256:2222", ["name"] = "registry.example.com/payments/checkout:3.1" },
                    ["pid"] = 7,
                },
                ["workload"] = "checkout",
                ["workload_kind"] = "Deployment",
            };
            process["docker"] = "3f1c2b9a8e7d6c5";
        }
    }

    /// <summary>A call a TracingPolicy reported for the same binary and arguments: a <c>runtime.alert</c>, not a process creation.</summary>
    public static string Kprobe(string binary, string arguments) => new JsonObject
    {
        ["process_kprobe"] = new JsonObject
        {
            ["process"] = new JsonObject { ["exec_id"] = "a3Byb2Jl", ["pid"] = 4242, ["uid"] = 0, ["binary"] = binary, ["arguments"] = arguments },
            ["parent"] = new JsonObject { ["exec_id"] = "cGFyZW50", ["binary"] = "/bin/bash" },
            ["function_name"] = "security_file_permission",
            ["args"] = new JsonArray(new JsonObject { ["file_arg"] = new JsonObject { ["path"] = "/etc/shadow" } }),
            ["action"] = "KPROBE_ACTION_POST",
            ["policy_name"] = "file-monitoring",
        },
        ["node_name"] = "worker-1",
        ["time"] = "2026-12-01T10:01:00Z",
    }.ToJsonString();
}
