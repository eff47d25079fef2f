using System.Text.Json.Nodes;
using ZtStream.Ingest.Sources.Tetragon;

namespace ZtStream.Ingest.Tests.Sources.Tetragon;

/// <summary>
/// What a policy's call did (<c>tetragon.operation</c>), read from the hooks Tetragon's documentation and example
/// policies use (network observability's <c>tcp_connect</c>, <c>security_socket_connect</c>; file monitoring's
/// <c>security_file_permission</c>, <c>security_path_truncate</c>; a <c>write()</c> with its file), each beside the call of
/// the same hook that did not do it.
/// </summary>
public sealed class TetragonOperationTests
{
    private static AccessEvent Map(string type, string function, JsonArray args, JsonObject? returned = null, string action = "KPROBE_ACTION_POST")
    {
        var body = new JsonObject
        {
            ["process"] = new JsonObject { ["exec_id"] = "b3A=", ["pid"] = 4242, ["uid"] = 0, ["binary"] = "/usr/bin/curl", ["arguments"] = "https://example.net" },
            ["function_name"] = function,
            ["args"] = args,
            ["action"] = action,
            ["policy_name"] = "policy",
        };
        if (returned is not null)
        {
            body["return"] = returned;
        }

        var line = new JsonObject { [type] = body, ["node_name"] = "worker-1", ["time"] = "2026-12-01T10:00:00Z" }.ToJsonString();
        return Assert.Single(MapperAssert.MapsAll(TetragonMapper.Map(Encoding.UTF8.GetBytes(line)), 1));
    }

    private static JsonObject Sock(string saddr, int sport, string daddr, int dport, string family = "AF_INET") => new()
    {
        ["sock_arg"] = new JsonObject
        {
            ["family"] = family, ["type"] = "SOCK_STREAM", ["protocol"] = "IPPROTO_TCP", ["mark"] = 0, ["priority"] = 0,
            ["saddr"] = saddr, ["daddr"] = daddr, ["sport"] = sport, ["dport"] = dport, ["cookie"] = "18446634201557227456", ["state"] = "TCP_SYN_SENT",
        },
    };

    private static JsonObject File(string path) => new() { ["file_arg"] = new JsonObject { ["path"] = path, ["permission"] = "-rw-r--r--" } };

    private static JsonObject Int(int value) => new() { ["int_arg"] = value };

    [Fact]
    public void TcpConnect_IsAConnectWithBothEnds_ItsPortAndProtocol()
    {
        var e = Map("process_kprobe", "tcp_connect", [Sock("10.0.3.7", 41234, "203.0.113.9", 4444)]);

        Assert.Equal("connect", e.Attr(TetragonMapper.OperationAttribute));
        Assert.Equal(("10.0.3.7", "203.0.113.9", 4444), (e.Network?.SrcIp, e.Network?.DstIp, e.Network?.DstPort));
        Assert.Equal(41234, e.Attributes!["fd.cport"].GetInt64());
        Assert.Equal("tcp", e.Attr("fd.l4proto"));

        // Closing or sending on the socket is no connection opened.
        Assert.Null(Map("process_kprobe", "tcp_close", [Sock("10.0.3.7", 41234, "203.0.113.9", 4444)]).Attr(TetragonMapper.OperationAttribute));
        Assert.Null(Map("process_kprobe", "tcp_sendmsg", [Sock("10.0.3.7", 41234, "203.0.113.9", 4444), Int(512)]).Attr(TetragonMapper.OperationAttribute));
    }

    [Fact]
    public void TcpConnect_OverIpv6_KeepsTheAddressesAsWritten()
    {
        var e = Map("process_kprobe", "tcp_connect", [Sock("2001:db8:1::7", 50000, "2001:db8:ff::9", 443, "AF_INET6")]);

        Assert.Equal("connect", e.Attr(TetragonMapper.OperationAttribute));
        Assert.Equal(("2001:db8:1::7", "2001:db8:ff::9", 443), (e.Network?.SrcIp, e.Network?.DstIp, e.Network?.DstPort));
    }

    [Fact]
    public void SocketConnect_ToAnAddress_IsAConnectToIt_AndToAUnixSocketIsNone()
    {
        var e = Map("process_kprobe", "security_socket_connect", [new JsonObject { ["sockaddr_arg"] = new JsonObject { ["family"] = "AF_INET", ["addr"] = "169.254.169.254", ["port"] = 80 } }, Int(16)]);
        var lsm = Map("process_lsm", "socket_connect", [new JsonObject { ["sockaddr_arg"] = new JsonObject { ["family"] = "AF_INET6", ["addr"] = "fd00:ec2::254", ["port"] = 80 } }]);
        var unix = Map("process_kprobe", "security_socket_connect", [new JsonObject { ["sockaddr_arg"] = new JsonObject { ["family"] = "AF_UNIX", ["addr"] = "/run/docker.sock" } }, Int(110)]);

        Assert.Equal("connect", e.Attr(TetragonMapper.OperationAttribute));
        Assert.Equal((null, "169.254.169.254", 80), (e.Network?.SrcIp, e.Network?.DstIp, e.Network?.DstPort));
        Assert.Null(e.Attr("fd.cport"));
        Assert.Equal(("connect", "fd00:ec2::254"), (lsm.Attr(TetragonMapper.OperationAttribute), lsm.Network?.DstIp));
        Assert.Null(unix.Attr(TetragonMapper.OperationAttribute));
        Assert.Null(unix.Network);
    }

    [Theory]
    [InlineData(2, "write")]
    [InlineData(10, "write")] // MAY_WRITE | MAY_APPEND
    [InlineData(4, "read")] // MAY_READ
    [InlineData(1, null)] // MAY_EXEC
    [InlineData(0, null)]
    public void FilePermission_IsAWriteWithMayWrite_AReadWithMayRead(int mask, string? operation)
    {
        Assert.Equal(operation, Map("process_kprobe", "security_file_permission", [File("/etc/sudoers.d/x"), Int(mask)], new JsonObject { ["int_arg"] = 0 }).Attr(TetragonMapper.OperationAttribute));
        Assert.Equal(operation, Map("process_lsm", "file_permission", [File("/etc/sudoers.d/x"), Int(mask)]).Attr(TetragonMapper.OperationAttribute));
    }

    [Fact]
    public void PathChmod_IsAChmod_WithItsNewMode_AndWithoutAModeIsNone()
    {
        // As a permissions policy exports it: the path (its mode before the change) and the new mode, 0647.
        var path = new JsonObject { ["path_arg"] = new JsonObject { ["mount"] = "", ["path"] = "/tmp/reg-file", ["flags"] = "", ["permission"] = "-rw-r--rw-" }, ["label"] = "file path" };
        var e = Map("process_kprobe", "security_path_chmod", [path, new JsonObject { ["uint_arg"] = 423, ["label"] = "file mode" }]);
        Assert.Equal(("chmod", "/tmp/reg-file"), (e.Attr(TetragonMapper.OperationAttribute), e.Attr("fd.name")));
        Assert.Equal(423, e.Attributes![TetragonMapper.ModeAttribute].GetInt64());

        var lsm = Map("process_lsm", "path_chmod", [path.DeepClone(), new JsonObject { ["uint_arg"] = 2541 }]);
        Assert.Equal(2541, lsm.Attributes![TetragonMapper.ModeAttribute].GetInt64());

        var noMode = Map("process_kprobe", "security_path_chmod", [path.DeepClone()]);
        Assert.Null(noMode.Attr(TetragonMapper.OperationAttribute));
        Assert.False(noMode.Attributes!.ContainsKey(TetragonMapper.ModeAttribute));
        Assert.Null(Map("process_kprobe", "security_path_chmod", [path.DeepClone(), new JsonObject { ["uint_arg"] = 2541 }], new JsonObject { ["int_arg"] = -1 }).Attr(TetragonMapper.OperationAttribute));
    }

    [Fact]
    public void AWriteRefused_ByTheKernelOrThePolicy_IsNone()
    {
        Assert.Null(Map("process_kprobe", "security_file_permission", [File("/etc/passwd"), Int(2)], new JsonObject { ["int_arg"] = -13 }).Attr(TetragonMapper.OperationAttribute));
        Assert.Null(Map("process_kprobe", "security_file_permission", [File("/etc/passwd"), Int(2)], action: "KPROBE_ACTION_OVERRIDE").Attr(TetragonMapper.OperationAttribute));
        Assert.Equal("write", Map("process_kprobe", "security_file_permission", [File("/etc/passwd"), Int(2)], action: "KPROBE_ACTION_SIGKILL").Attr(TetragonMapper.OperationAttribute));
    }

    [Fact]
    public void WriteSyscallAndTruncate_AreWrites_AndAnOpenOrAMappingIsNone()
    {
        Assert.Equal("write", Map("process_kprobe", "__x64_sys_write", [File("/tmp/x"), new JsonObject { ["bytes_arg"] = "aGk=" }, new JsonObject { ["size_arg"] = "2" }]).Attr(TetragonMapper.OperationAttribute));
        Assert.Equal("truncate", Map("process_kprobe", "security_path_truncate", [new JsonObject { ["path_arg"] = new JsonObject { ["path"] = "/var/log/auth.log" } }]).Attr(TetragonMapper.OperationAttribute));
        Assert.Null(Map("process_kprobe", "fd_install", [Int(3), File("/etc/shadow")]).Attr(TetragonMapper.OperationAttribute));
        Assert.Null(Map("process_lsm", "file_open", [File("/etc/shadow")]).Attr(TetragonMapper.OperationAttribute));
        Assert.Null(Map("process_kprobe", "security_mmap_file", [File("/etc/ld.so.cache"), new JsonObject { ["uint_arg"] = 3 }]).Attr(TetragonMapper.OperationAttribute));

        // A write whose descriptor Tetragon could not follow names no file: nothing written to say.
        Assert.Null(Map("process_kprobe", "__x64_sys_write", [Int(3), new JsonObject { ["size_arg"] = "2" }]).Attr(TetragonMapper.OperationAttribute));
    }
}
