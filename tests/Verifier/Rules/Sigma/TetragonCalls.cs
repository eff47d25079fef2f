using System.Text.Json.Nodes;

namespace ZtStream.Verifier.Tests.Rules.Sigma;

/// <summary>
/// Calls a TracingPolicy reported, written after Tetragon's export (a <c>process_kprobe</c> or <c>process_lsm</c> per
/// line: the process, its parent, <c>function_name</c>, <c>args</c> as <c>sock_arg</c>, <c>sockaddr_arg</c>,
/// <c>file_arg</c>, <c>path_arg</c>, <c>int_arg</c>, and <c>return</c>), mapped by the reader Ingest and
/// <c>ztstream replay --format tetragon</c> use. <c>pod</c> false is a process of the node; <c>user</c> null leaves the
/// user out, as Tetragon does without its username metadata.
/// </summary>
internal static class TetragonCalls
{
    public const string Format = "tetragon";
    private static int next;

    /// <summary><c>tcp_connect</c> with its socket (Tetragon's network observability policy).</summary>
    public static string TcpConnect(string binary, string daddr, int dport, string? saddr = "10.0.3.7", int sport = 41234, string? arguments = null, bool pod = true, string? user = "root") =>
        Call("process_kprobe", "tcp_connect", binary, arguments, pod, user, [new JsonObject
        {
            ["sock_arg"] = new JsonObject
            {
                ["family"] = daddr.Contains(':', StringComparison.Ordinal) ? "AF_INET6" : "AF_INET", ["type"] = "SOCK_STREAM", ["protocol"] = "IPPROTO_TCP",
                ["saddr"] = saddr, ["daddr"] = daddr, ["sport"] = sport, ["dport"] = dport, ["state"] = "TCP_SYN_SENT",
            },
        }]);

    /// <summary><c>security_socket_connect</c> with its sockaddr and length (Tetragon's security-socket-connect example).</summary>
    public static string SocketConnect(string binary, string addr, int port, string? arguments = null, bool pod = true, string? user = "root") =>
        Call("process_kprobe", "security_socket_connect", binary, arguments, pod, user, [
            new JsonObject { ["sockaddr_arg"] = new JsonObject { ["family"] = addr.Contains(':', StringComparison.Ordinal) ? "AF_INET6" : "AF_INET", ["addr"] = addr, ["port"] = port } },
            new JsonObject { ["int_arg"] = 16 },
        ]);

    /// <summary><c>security_file_permission</c> on <paramref name="path"/> with <paramref name="mask"/> (2 MAY_WRITE, 4 MAY_READ): the file monitoring policy.</summary>
    public static string FilePermission(string binary, string path, int mask = 2, string? arguments = null, bool pod = true, string? user = "root", string type = "process_kprobe") =>
        Call(type, type == "process_lsm" ? "file_permission" : "security_file_permission", binary, arguments, pod, user, [
            new JsonObject { ["file_arg"] = new JsonObject { ["path"] = path, ["permission"] = "-rw-r--r--" } },
            new JsonObject { ["int_arg"] = mask },
        ], type == "process_lsm" ? null : new JsonObject { ["int_arg"] = 0 });

    /// <summary><c>security_path_truncate</c> on <paramref name="path"/>.</summary>
    public static string Truncate(string binary, string path, bool pod = true) =>
        Call("process_kprobe", "security_path_truncate", binary, null, pod, "root", [new JsonObject { ["path_arg"] = new JsonObject { ["path"] = path } }], new JsonObject { ["int_arg"] = 0 });

    /// <summary>A call of <paramref name="function"/> with a file argument that is neither a write nor a connection (an open, a mapping).</summary>
    public static string FileCall(string binary, string function, string path, string type = "process_kprobe") =>
        Call(type, function, binary, null, true, "root", [new JsonObject { ["file_arg"] = new JsonObject { ["path"] = path } }]);

    private static string Call(string type, string function, string binary, string? arguments, bool pod, string? user, JsonArray args, JsonObject? returned = null)
    {
        var n = Interlocked.Increment(ref next);
        var process = new JsonObject
        {
            ["exec_id"] = $"d29ya2VyLTE6Y2FsbA{n}",
            ["pid"] = 50000 + n,
            ["uid"] = user is null or "root" ? 0 : 1000,
            ["cwd"] = "/srv",
            ["binary"] = binary,
            ["flags"] = "execve clone",
            ["start_time"] = "2026-12-01T09:59:00Z",
            ["parent_exec_id"] = $"d29ya2VyLTE6cGFyZW50{n}",
        };
        TetragonExecs.WithOptional(process, arguments, user, pod);

        var body = new JsonObject
        {
            ["process"] = process,
            ["parent"] = new JsonObject { ["exec_id"] = $"d29ya2VyLTE6cGFyZW50{n}", ["pid"] = 40000 + n, ["binary"] = "/bin/bash" },
            ["function_name"] = function,
            ["args"] = args,
            ["action"] = "KPROBE_ACTION_POST",
            ["policy_name"] = function.Contains("connect", StringComparison.Ordinal) ? "monitor-network-activity-outside-cluster" : "file-monitoring",
        };
        if (returned is not null)
        {
            body["return"] = returned;
        }

        return new JsonObject { [type] = body, ["node_name"] = "worker-1", ["time"] = $"2026-12-01T10:02:{n % 60:D2}Z" }.ToJsonString();
    }
}
