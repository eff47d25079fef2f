using System.Text.Json.Nodes;
using ZtStream.Ingest.Sources.Tetragon;

namespace ZtStream.Ingest.Tests.Sources.Tetragon;

/// <summary>
/// The path hooks' calls (<c>security_path_symlink</c>, <c>_link</c>, <c>_mkdir</c>, <c>_rename</c>, <c>_unlink</c>,
/// <c>_rmdir</c>; LSM <c>path_*</c>) as a policy exports them: a directory's <c>path</c> whole, an entry's <c>dentry</c>
/// (also a <c>path_arg</c>) within its mount; each operation with the paths built, and arguments that do not give them
/// the item's error naming the field.
/// </summary>
public sealed class TetragonPathCallsTests
{
    private static MapResult MapLine(string type, string function, JsonArray args, JsonObject? returned = null)
    {
        var body = new JsonObject
        {
            ["process"] = new JsonObject { ["exec_id"] = "b3A=", ["pid"] = 4242, ["uid"] = 1000, ["binary"] = "/usr/bin/ln" },
            ["function_name"] = function,
            ["args"] = args,
            ["action"] = "KPROBE_ACTION_POST",
            ["policy_name"] = "path-calls",
        };
        if (returned is not null)
        {
            body["return"] = returned;
        }

        var line = new JsonObject { [type] = body, ["node_name"] = "worker-1", ["time"] = "2026-12-01T10:00:00Z" }.ToJsonString();
        return TetragonMapper.Map(Encoding.UTF8.GetBytes(line));
    }

    private static AccessEvent Map(string type, string function, JsonArray args, JsonObject? returned = null) =>
        Assert.Single(MapperAssert.MapsAll(MapLine(type, function, args, returned), 1));

    private static JsonObject PathArg(string? path) => new() { ["path_arg"] = new JsonObject { ["mount"] = "", ["path"] = path, ["flags"] = "", ["permission"] = "drwxr-xr-x" }, ["label"] = "" };

    private static (string? Operation, string? Path, string? OldPath, string? Target) Read(AccessEvent e) =>
        (e.Attr(TetragonMapper.OperationAttribute), e.Attr(TetragonPathCalls.PathAttribute), e.Attr(TetragonPathCalls.OldPathAttribute), e.Attr(TetragonPathCalls.TargetAttribute));

    [Fact]
    public void Symlink_IsTheLinkBelowItsDirectory_WithItsTargetAsPassed()
    {
        Assert.Equal(("symlink", "/tmp/s", null, "../etc/shadow"),
            Read(Map("process_kprobe", "security_path_symlink", [PathArg("/tmp"), PathArg("/tmp/s"), new JsonObject { ["string_arg"] = "../etc/shadow" }], new JsonObject { ["int_arg"] = 0 })));

        // The dentry's path is within its mount (a volume at /data): only its name is taken, below the directory's full path.
        Assert.Equal(("symlink", "/data/www/s", null, "/etc/shadow"),
            Read(Map("process_lsm", "path_symlink", [PathArg("/data/www"), PathArg("/www/s"), new JsonObject { ["string_arg"] = "/etc/shadow" }])));
        Assert.Equal("/s", Read(Map("process_lsm", "path_symlink", [PathArg("/"), PathArg("/s"), new JsonObject { ["string_arg"] = "/etc" }])).Path);
    }

    [Fact]
    public void Link_BuildsTheExistingFilesPath_FromTheNewLinksMount()
    {
        Assert.Equal(("link", "/tmp/sh", "/etc/shadow", null), Read(Map("process_kprobe", "security_path_link", [PathArg("/etc/shadow"), PathArg("/tmp"), PathArg("/tmp/sh")])));

        // A volume at /host: the new link is /tmp/sh within it, so the existing file is /host/etc/shadow.
        Assert.Equal(("link", "/host/tmp/sh", "/host/etc/shadow", null), Read(Map("process_lsm", "path_link", [PathArg("/etc/shadow"), PathArg("/host/tmp"), PathArg("/tmp/sh")])));
    }

    [Fact]
    public void MkdirRenameUnlinkRmdir_NameTheirPaths()
    {
        Assert.Equal(("mkdir", "/usr/bin/.x", null, null), Read(Map("process_kprobe", "security_path_mkdir", [PathArg("/usr/bin"), PathArg("/usr/bin/.x"), new JsonObject { ["uint_arg"] = 493 }])));
        Assert.Equal(("rename", "/tmp/ls", "/usr/bin/ls", null),
            Read(Map("process_kprobe", "security_path_rename", [PathArg("/usr/bin"), PathArg("/usr/bin/ls"), PathArg("/tmp"), PathArg("/tmp/ls"), new JsonObject { ["uint_arg"] = 0 }])));
        Assert.Equal(("unlink", "/root/.bash_history", null, null), Read(Map("process_lsm", "path_unlink", [PathArg("/root"), PathArg("/root/.bash_history")])));
        Assert.Equal(("rmdir", "/var/log/old", null, null), Read(Map("process_kprobe", "security_path_rmdir", [PathArg("/var/log"), PathArg("/var/log/old")])));
    }

    [Fact]
    public void APathCallRefusedByTheKernel_IsNone_AndAnotherPathHookIsNone()
    {
        var refused = Map("process_kprobe", "security_path_unlink", [PathArg("/usr/bin"), PathArg("/usr/bin/ls")], new JsonObject { ["int_arg"] = -13 });
        Assert.Equal((null, null, null, null), Read(refused));

        var mknod = Map("process_kprobe", "security_path_mknod", [PathArg("/dev"), PathArg("/dev/x")]);
        Assert.Null(mknod.Attr(TetragonMapper.OperationAttribute));
    }

    public static TheoryData<string, string, string, string> Malformed => new()
    {
        { "security_path_unlink", """[{"path_arg":{"path":"/usr/bin"}}]""", "process_kprobe.args", "security_path_unlink needs the directory (path) and the entry (dentry) as path_arg arguments in the hook's order; the policy's call gives 1" },
        { "security_path_rename", """[{"path_arg":{"path":"/a"}},{"path_arg":{"path":"/a/b"}},{"path_arg":{"path":"/c"}}]""", "process_kprobe.args", "the new entry (dentry)" },
        { "security_path_mkdir", """[{"path_arg":{"path":"/usr/bin"}},{"path_arg":{"path":""}}]""", "process_kprobe.args[1].path_arg.path", "required: a path, got none" },
        { "security_path_mkdir", """[{"path_arg":"/usr/bin"},{"path_arg":{"path":"/usr/bin/x"}}]""", "process_kprobe.args[0].path_arg.path", "required: a path, got none" },
        { "security_path_symlink", """[{"path_arg":{"path":"/tmp"}},{"path_arg":{"path":"/tmp/s"}}]""", "process_kprobe.args", "needs the link's target (old_name) as a string_arg argument" },
        { "security_path_link", """[{"path_arg":{"path":"/etc/shadow"}},{"path_arg":{"path":"/tmp"}},{"path_arg":{"path":"/srv/data/l"}}]""", "process_kprobe.args[2].path_arg.path", "is not below the new directory \"/tmp\" within their mount" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void APathCall_WhoseArgumentsDoNotGiveItsPaths_IsAnErrorNamingTheField(string hook, string args, string field, string reason)
    {
        var result = MapLine("process_kprobe", hook, JsonNode.Parse(args)!.AsArray());

        Assert.Empty(result.Events);
        var error = Assert.Single(result.Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }
}
