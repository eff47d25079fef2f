using ZtStream.Ingest.Sources.Tetragon;

namespace ZtStream.Ingest.Tests.Sources.Tetragon;

public sealed class TetragonMapperTests
{
    private static readonly string[] Lines = File.ReadAllLines(TestData.Path("tetragon", "events.jsonl"));

    private static MapResult MapLine(int line) => TetragonMapper.Map(Encoding.UTF8.GetBytes(Lines[line]));

    private static AccessEvent One(int line) => Assert.Single(MapperAssert.MapsAll(MapLine(line), 1));

    [Fact]
    public void Map_ExecInAPod_IsARuntimeProcessOnThePodAsFalcoNamesIt()
    {
        var e = One(0);

        Assert.Equal(EventKinds.RuntimeProcess, e.Kind);
        Assert.Equal("exec", e.Action);
        Assert.Equal("payments/checkout-7d9f8c-x2x4q", e.Workload?.Id);
        Assert.Equal("payments/checkout-7d9f8c-x2x4q", e.PrincipalKey);
        Assert.Equal("checkout-7d9f8c-x2x4q", e.Workload?.Name);
        Assert.Equal("payments", e.Workload?.Namespace);
        Assert.Equal("registry.example.com/payments/checkout:2.4.1", e.Workload?.Image);
        Assert.Equal("node-a", e.Workload?.Node);
        Assert.Null(e.Subject);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero).AddTicks(1_234_560), e.Time);
        Assert.Equal("process_exec", e.Attr("tetragon.event"));
        Assert.Equal("/bin/bash", e.Attr("proc.exepath"));
        Assert.Equal("bash", e.Attr("proc.name"));
        Assert.Equal("bash", e.Attr("proc.cmdline"));
        Assert.Equal("/usr/bin/runc", e.Attr("proc.pexepath"));
        Assert.Equal("runc", e.Attr("proc.pname"));
        Assert.Equal("/app", e.Attr("proc.cwd"));
        Assert.Equal("dHotbm9kZS1hOjkwMDAwMDAwMDAwOjQyMTAx", e.Attr("tetragon.exec_id"));
        Assert.Equal("dHotbm9kZS1hOjg5OTk5OTk5OTk5OjQyMDk5", e.Attr("tetragon.parent_exec_id"));
        Assert.Equal("checkout", e.Attr("tetragon.workload"));
        Assert.Equal("Deployment", e.Attr("tetragon.workload_kind"));
        Assert.False(e.Attributes!["tetragon.in_init_tree"].GetBoolean());
        Assert.Equal(0, e.Attributes["user.uid"].GetInt64());
        // Falco's container.id is the first 12 digits: one container reads the same from both tools.
        Assert.Equal("4f1c9a2b7e3d", e.Attr("container.id"));
        Assert.StartsWith("tetragon-", e.Id, StringComparison.Ordinal);
        Assert.Equal("checkout", e.Raw!.Value.GetProperty("process_exec").GetProperty("process").GetProperty("pod").GetProperty("container").GetProperty("name").GetString());
    }

    [Fact]
    public void Map_ExecOnTheHostWithoutTime_IsOnTheNodeDatedByTheProcessStart()
    {
        var e = One(1);

        Assert.Equal(EventKinds.RuntimeProcess, e.Kind);
        Assert.Equal("host:node-b", e.Workload?.Id);
        Assert.Null(e.Workload?.Namespace);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 9, 1, 0, 500, TimeSpan.Zero), e.Time);
        Assert.Equal("curl -fsS https://downloads.example.net/agent.sh", e.Attr("proc.cmdline"));
        Assert.Equal("-fsS https://downloads.example.net/agent.sh", e.Attr("proc.args"));
        Assert.Equal("ops", e.Attr("user.name"));
        Assert.Null(e.Attr("proc.pexepath"));
        Assert.Null(e.Attr("container.id"));
        Assert.Null(e.Attr(TimeSources.Attribute));
    }

    [Fact]
    public void Map_KprobeOfAPolicy_IsARuntimeAlertOfThePolicyWithItsFileLifted()
    {
        var e = One(2);

        Assert.Equal(EventKinds.RuntimeAlert, e.Kind);
        Assert.Equal("file-monitoring-filtered", e.Action);
        Assert.Equal("file-monitoring-filtered", e.Attr("tetragon.policy"));
        Assert.Equal("security_file_permission", e.Attr("tetragon.function"));
        Assert.Equal("KPROBE_ACTION_POST", e.Attr("tetragon.action"));
        Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount/..2026_11_30_08_00_00.123456789/token", e.Attr("fd.name"));
        Assert.Equal(4, e.Attributes!["tetragon.args"][1].GetProperty("int_arg").GetInt32());
        Assert.Equal(0, e.Attributes["tetragon.return"].GetProperty("int_arg").GetInt32());
        Assert.Equal("observability.filesystem", e.Attributes["tetragon.tags"][0].GetString());
        Assert.Equal("payments/checkout-7d9f8c-x2x4q", e.Workload?.Id);
        Assert.Equal("cat", e.Attr("proc.name"));
        Assert.Equal("bash", e.Attr("proc.pname"));
    }

    [Fact]
    public void Map_KprobeWithASocket_NamesTheConnection()
    {
        var e = One(3);

        Assert.Equal("monitor-network-activity-outside-cluster", e.Action);
        Assert.Equal(("10.0.7.21", "198.51.100.23", 4444), (e.Network?.SrcIp, e.Network?.DstIp, e.Network?.DstPort));
        Assert.Null(e.Attr("fd.name"));
        Assert.Null(e.Workload?.Image);
    }

    [Fact]
    public void Map_TracepointLsmAndUprobe_EachNamesItsHook()
    {
        var tracepoint = One(4);
        var lsm = One(5);
        var uprobe = One(6);

        Assert.Equal(("sys-setns", "syscalls/sys_enter_setns"), (tracepoint.Action, tracepoint.Attr("tetragon.function")));
        Assert.Equal(("file-monitoring-lsm", "file_open", "/etc/shadow"), (lsm.Action, lsm.Attr("tetragon.function"), lsm.Attr("fd.name")));
        Assert.Equal("a sensitive file was opened", lsm.Attr("tetragon.message"));
        Assert.Equal(("pam-auth", "/usr/lib/x86_64-linux-gnu/libpam.so.0:pam_authenticate"), (uprobe.Action, uprobe.Attr("tetragon.function")));
        Assert.Equal("root", uprobe.Attributes!["tetragon.strings"][0].GetString());
        Assert.Equal("host:node-b", uprobe.Workload?.Id);
        Assert.All([tracepoint, lsm, uprobe], e => Assert.Equal(EventKinds.RuntimeAlert, e.Kind));
    }

    [Fact]
    public void Map_TheExportFile_MapsEveryEventAndNamesTheExitItKeepsOut()
    {
        var result = TetragonMapper.Map(File.ReadAllBytes(TestData.Path("tetragon", "events.jsonl")));

        MapperAssert.Rejects(result, [0, 1, 2, 3, 4, 5, 6], (7, "process_exit"));
        Assert.Contains("not mapped", result.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Equal(8, result.ItemCount);
    }

    [Fact]
    public void Map_AnArrayOfEvents_MapsEach()
    {
        var body = $"[{Lines[0]},{Lines[2]}]";

        MapperAssert.MapsAll(TetragonMapper.Map(Encoding.UTF8.GetBytes(body)), EventKinds.RuntimeProcess, EventKinds.RuntimeAlert);
    }

    [Fact]
    public void Map_AnUnreadableLine_IsThatItemsErrorNamingTheLine()
    {
        var body = $"{Lines[0]}\n{{\"process_exec\":{{\"process\": truncated\n{Lines[2]}\n";

        var result = TetragonMapper.Map(Encoding.UTF8.GetBytes(body));

        Assert.Equal([0, 2], result.Items.Select(i => i.Index));
        var error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Index);
        Assert.Contains("line 2", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_TheSameExportDeliveredAgain_KeepsItsIds()
    {
        var ids = MapperAssert.SameIdsWhenDeliveredAgain(() => TetragonMapper.Map(File.ReadAllBytes(TestData.Path("tetragon", "events.jsonl"))));

        Assert.Equal(7, ids.Count);
    }

    [Fact]
    public void Map_TwoCallsOfOneProcessAtOneTime_AreTwoEvents()
    {
        var other = Lines[2].Replace("\"int_arg\":4", "\"int_arg\":2", StringComparison.Ordinal);

        Assert.NotEqual(One(2).Id, Assert.Single(TetragonMapper.Map(Encoding.UTF8.GetBytes(other)).Events).Id);
    }

    [Fact]
    public void Map_NullAndMissingMembers_AreAbsent()
    {
        var body = """{"process_kprobe":{"process":{"exec_id":"dHotbnVsbA","binary":null,"pod":null,"uid":null},"parent":null,"function_name":"security_file_permission","args":[null,{"file_arg":{"path":""}},{"int_arg":1},"text",{"bytes_arg":"AAEC"},{"string_arg":"/etc/shadow"}],"action":null,"policy_name":"p","tags":null},"node_name":null,"time":"2026-11-30T09:00:00Z"}"""u8;

        var e = Assert.Single(MapperAssert.MapsAll(TetragonMapper.Map(body), 1));

        Assert.Equal("host", e.Workload?.Id);
        Assert.Null(e.Attr("proc.exepath"));
        Assert.Null(e.Attr("proc.pexepath"));
        Assert.Null(e.Attr("tetragon.action"));
        Assert.Null(e.Attr("fd.name"));
        Assert.False(e.Attributes!.ContainsKey("user.uid"));
        Assert.False(e.Attributes.ContainsKey("tetragon.tags"));
        Assert.Equal("/etc/shadow", e.Attributes["tetragon.strings"][0].GetString());
    }

    [Fact]
    public void Map_AnExecFromAMemfd_SaysItsBinaryIsNoFileWithItsLinks()
    {
        // As Tetragon writes a binary executed from memfd_create (BinaryProperties.file: inode links 0, no path), with the
        // null members and envelope its export writes beside it.
        var body = """{"process_exec":{"process":{"exec_id":"bWVtZmQ","pid":1287388,"uid":0,"binary":"/proc/self/fd/4","arguments":"","flags":"execve","pod":{"namespace":"default","name":"test-pod-debian","container":{"id":"containerd://7bcd23290beff948c1f9516218d1e8ae7c21a754ca6c00ac7e261a14e12e989d","name":"debian"}},"binary_properties":{"setuid":null,"setgid":null,"privileges_changed":[],"file":{"inode":{"number":"202749","links":0},"path":""}},"user":null},"parent":{"exec_id":"cGFyZW50","binary":"/root/fileless/fileless","arguments":"memfd","binary_properties":null},"ancestors":[]},"node_name":"cs-master-node","time":"2025-07-07T12:14:01.263533522Z","aggregation_info":null}"""u8;

        var e = Assert.Single(MapperAssert.MapsAll(TetragonMapper.Map(body), 1));

        Assert.True(e.Attributes!["tetragon.binary_fileless"].GetBoolean());
        Assert.Equal(0, e.Attributes["tetragon.binary_links"].GetInt64());
        Assert.Null(e.Attr("tetragon.binary_file"));
        Assert.Equal("/proc/self/fd/4", e.Attr("proc.exepath"));
    }

    [Theory]
    [InlineData("""{"file":{"inode":{"number":"1048601","links":1},"path":"/dev/shm/x"}}""", 1L, "/dev/shm/x")]
    [InlineData("""{"file":{"path":"/tmp/.cache/kworker"}}""", null, "/tmp/.cache/kworker")]
    [InlineData("""{"file":{"inode":{"number":"9"}}}""", null, null)]
    public void Map_ABinaryOutsideTheFileSystem_IsSaidWithWhatTetragonKnowsOfIt(string properties, long? links, string? path)
    {
        var body = Encoding.UTF8.GetBytes("""{"process_exec":{"process":{"exec_id":"c2htZXhlYw","binary":"/dev/shm/x","binary_properties":""" + properties + """}},"node_name":"n","time":"2026-11-30T09:00:00Z"}""");

        var e = Assert.Single(MapperAssert.MapsAll(TetragonMapper.Map(body), 1));

        Assert.True(e.Attributes!["tetragon.binary_fileless"].GetBoolean());
        Assert.Equal(links, e.Attributes.TryGetValue("tetragon.binary_links", out var l) ? l.GetInt64() : null);
        Assert.Equal(path, e.Attr("tetragon.binary_file"));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("""{"setuid":0,"privileges_changed":["PRIVILEGES_RAISED_EXEC_FILE_SETUID"]}""")]
    [InlineData("""{"file":null}""")]
    public void Map_ABinaryOnTheFileSystem_IsNotSaidFileless(string properties)
    {
        var body = Encoding.UTF8.GetBytes("""{"process_exec":{"process":{"exec_id":"c3VpZA","binary":"/usr/bin/passwd","binary_properties":""" + properties + """}},"node_name":"n","time":"2026-11-30T09:00:00Z"}""");

        var e = Assert.Single(MapperAssert.MapsAll(TetragonMapper.Map(body), 1));

        Assert.False(e.Attributes!.ContainsKey("tetragon.binary_fileless"));
        Assert.False(e.Attributes.ContainsKey("tetragon.binary_links"));
    }

    [Fact]
    public void Map_AContainerOutsideKubernetes_IsOnTheContainer()
    {
        var body = """{"process_exec":{"process":{"exec_id":"dHotZG9ja2Vy","binary":"/bin/sh","docker":"9a8b7c6d5e4f3a2","start_time":"2026-11-30T09:00:00Z"}},"node_name":"build-host"}"""u8;

        var e = Assert.Single(MapperAssert.MapsAll(TetragonMapper.Map(body), 1));

        Assert.Equal("container:9a8b7c6d5e4f", e.Workload?.Id);
        Assert.Equal("build-host", e.Workload?.Node);
    }

    [Fact]
    public void Map_AKprobeWithoutPolicyName_IsNamedByItsFunction()
    {
        var body = """{"process_kprobe":{"process":{"exec_id":"dHotb2xk","binary":"/bin/cat"},"function_name":"__x64_sys_write","args":[]},"node_name":"n","time":"2026-11-30T09:00:00Z"}"""u8;

        var e = Assert.Single(MapperAssert.MapsAll(TetragonMapper.Map(body), 1));

        Assert.Equal(("__x64_sys_write", null), (e.Action, e.Attr("tetragon.policy")));
    }

    [Fact]
    public void Map_WithoutAnyTime_IsDatedAsItArrived()
    {
        var body = """{"process_kprobe":{"process":{"exec_id":"dHotbm90aW1l"},"function_name":"f","policy_name":"p"},"node_name":"n"}"""u8;
        var arrived = new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

        var e = Assert.Single(MapperAssert.MapsAll(TetragonMapper.Map(body, new SourceMapOptions { ReceivedAt = arrived }), 1));

        Assert.Equal(arrived, e.Time);
        Assert.Equal(TimeSources.Received, e.Attr(TimeSources.Attribute));
    }

    [Theory]
    [InlineData("""{"node_name":"n","time":"2026-11-30T09:00:00Z"}""", "$")]
    [InlineData("""{"process_exec":{"parent":{}},"time":"2026-11-30T09:00:00Z"}""", "process_exec.process")]
    [InlineData("""{"process_exec":"x","time":"2026-11-30T09:00:00Z"}""", "process_exec")]
    [InlineData("""{"process_kprobe":{"process":{}},"time":"soon"}""", "time")]
    [InlineData("""{"process_kprobe":{"process":{}}}""", "time")]
    [InlineData("""{"process_loader":{"process":{},"path":"/lib/x.so"},"time":"2026-11-30T09:00:00Z"}""", "process_loader")]
    [InlineData("""{"process_something_new":{"process":{}},"time":"2026-11-30T09:00:00Z"}""", "process_something_new")]
    [InlineData("\"event\"", "$")]
    public void Map_NotAMappedEvent_ReportsTheField(string body, string field)
    {
        MapperAssert.RejectsWhole(TetragonMapper.Map(Encoding.UTF8.GetBytes(body)), field);
    }

    [Theory]
    [InlineData("-c \"echo aGk= | base64 -d | bash\"", "-c echo aGk= | base64 -d | bash")]
    [InlineData(" \"my script.py\" --verbose", "my script.py --verbose")]
    [InlineData("-c \"a b\" \"c d\"", "-c a b c d")]
    [InlineData("-e '\"x\"' \"y\"", "-e '\"x\"' \"y\"")]
    [InlineData("--name=\"x\" plain", "--name=\"x\" plain")]
    [InlineData("-c \"unterminated and more", "-c \"unterminated and more")]
    [InlineData("plain args only", "plain args only")]
    public void Decode_TakesOffTheQuotesTetragonPutsAroundAnArgumentWithASpace_AndNoOther(string tetragon, string argv)
    {
        Assert.Equal(argv, TetragonArguments.Decode(tetragon));
    }

    private static AccessEvent Exec(string parent) => Assert.Single(MapperAssert.MapsAll(TetragonMapper.Map(Encoding.UTF8.GetBytes(
        $$"""{"process_exec":{"process":{"exec_id":"dHotcGFyZW50","pid":7,"uid":0,"binary":"/usr/bin/python3","arguments":" \"my script.py\" --verbose"}{{parent}} },"node_name":"node-a","time":"2026-11-30T09:00:00Z"}""")), 1));

    [Fact]
    public void Map_TheParentsArguments_AreAnAttributeOfTheirOwn_DecodedAsTheProcesss()
    {
        var e = Exec(""","parent":{"exec_id":"dHotc2g","binary":"/bin/sh","arguments":"-c \"python3 'my script.py' --verbose\""}""");

        Assert.Equal("my script.py --verbose", e.Attr("proc.args"));
        Assert.Equal("python3 my script.py --verbose", e.Attr("proc.cmdline"));
        Assert.Equal("/bin/sh", e.Attr("proc.pexepath"));
        Assert.Equal("sh", e.Attr("proc.pname"));
        Assert.Equal("-c python3 'my script.py' --verbose", e.Attr("tetragon.parent_args"));
        Assert.Equal("sh -c python3 'my script.py' --verbose", e.Attr("proc.pcmdline"));
    }

    [Fact]
    public void Map_AParentWithoutArguments_HasItsBinaryAndNoArguments()
    {
        var e = Exec(""","parent":{"exec_id":"dHotaW5pdA","binary":"/usr/bin/containerd-shim-runc-v2"}""");

        Assert.Equal("/usr/bin/containerd-shim-runc-v2", e.Attr("proc.pexepath"));
        Assert.Equal("containerd-shim-runc-v2", e.Attr("proc.pcmdline"));
        Assert.False(e.Attributes!.ContainsKey("tetragon.parent_args"));
    }

    [Fact]
    public void Map_NoParent_WritesNoneOfTheParentsAttributes()
    {
        var e = Exec("");

        Assert.Equal("my script.py --verbose", e.Attr("proc.args"));
        Assert.DoesNotContain(e.Attributes!.Keys, k => k is "proc.pexepath" or "proc.pname" or "proc.pcmdline" or "tetragon.parent_args" or "tetragon.parent_exec_id");
    }
}
