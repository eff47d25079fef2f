using ZtStream.Ingest.Sources.Tetragon;

namespace ZtStream.Ingest.Tests.Sources.Tetragon;

/// <summary>
/// Tetragon's <c>ancestors</c> (<c>--enable-ancestors base</c> for execs, <c>kprobe</c> and the others for a policy's
/// events): the Process messages beyond the immediate parent, the parent's parent first, written once as
/// <c>tetragon.ancestors</c> for every rule format, bounded in count and bytes.
/// </summary>
public sealed class TetragonAncestorsTests
{
    private static string Ancestor(string binary, string? arguments = null, int pid = 3000) =>
        $$"""{"exec_id":"YW5jZXN0b3I6{{pid}}","pid":{{pid}},"uid":0,"cwd":"/","binary":"{{binary}}",{{(arguments is null ? "" : $"\"arguments\":{JsonSerializer.Serialize(arguments)},")}}"flags":"execve","start_time":"2026-11-30T08:00:00Z"}""";

    /// <summary>An exec (or, with <paramref name="type"/>, a policy's call) whose body ends with <paramref name="ancestors"/>.</summary>
    private static string Line(string ancestors, string type = "process_exec") => $$"""
        {"{{type}}":{"process":{"exec_id":"cHJvY2VzczoxMDA=","pid":4100,"uid":33,"cwd":"/var/www","binary":"/bin/sh","arguments":"-c id","flags":"execve clone","start_time":"2026-11-30T09:00:00Z"},
         "parent":{"exec_id":"cGFyZW50Ojk5","pid":4099,"uid":33,"cwd":"/var/www","binary":"/usr/bin/python3","arguments":"/var/www/cgi-bin/upload.py","flags":"execve clone","start_time":"2026-11-30T08:59:59Z"}
         {{(type == "process_exec" ? "" : ",\"function_name\":\"security_file_permission\",\"policy_name\":\"file-monitoring\"")}}{{ancestors}}},
         "node_name":"node-a","time":"2026-11-30T09:00:00.000000000Z"}
        """.ReplaceLineEndings(" ");

    private static MapResult Map(string line, SourceMapOptions? options = null) => TetragonMapper.Map(Encoding.UTF8.GetBytes(line), options);

    private static AccessEvent One(string line, SourceMapOptions? options = null) => Assert.Single(MapperAssert.MapsAll(Map(line, options), 1));

    private static JsonElement Ancestors(AccessEvent e) => e.Attributes![TetragonAncestors.Attribute];

    [Fact]
    public void Map_ExecWithAncestors_KeepsThemNearestFirstWithTheirArgumentsDecoded()
    {
        var e = One(Line($",\"ancestors\":[{Ancestor("/usr/sbin/apache2", "-k start -D \"FOREGROUND MODE\"", 2900)},{Ancestor("/usr/lib/systemd/systemd", pid: 1)}]"));

        var ancestors = Ancestors(e);
        Assert.Equal(2, ancestors.GetArrayLength());
        Assert.Equal("/usr/sbin/apache2", ancestors[0].GetProperty("exepath").GetString());
        Assert.Equal("-k start -D FOREGROUND MODE", ancestors[0].GetProperty("args").GetString());
        Assert.Equal(2900, ancestors[0].GetProperty("pid").GetInt64());
        Assert.Equal("/usr/lib/systemd/systemd", ancestors[1].GetProperty("exepath").GetString());
        Assert.False(ancestors[1].TryGetProperty("args", out _));
        Assert.Equal(1, ancestors[1].GetProperty("pid").GetInt64());

        // The process and the parent are where they always were; nothing is dropped.
        Assert.Equal("/usr/bin/python3", e.Attr("proc.pexepath"));
        Assert.False(e.Attributes!.ContainsKey(TetragonAncestors.DroppedAttribute));
    }

    [Fact]
    public void Map_PolicyCallWithAncestors_KeepsThemToo()
    {
        var e = One(Line($",\"ancestors\":[{Ancestor("/usr/sbin/nginx")}]", "process_kprobe"));

        Assert.Equal(EventKinds.RuntimeAlert, e.Kind);
        Assert.Equal("/usr/sbin/nginx", Ancestors(e)[0].GetProperty("exepath").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData(",\"ancestors\":[]")]
    [InlineData(",\"ancestors\":null")]
    public void Map_NoAncestors_WritesNone(string ancestors)
    {
        var e = One(Line(ancestors));

        Assert.False(e.Attributes!.ContainsKey(TetragonAncestors.Attribute));
        Assert.False(e.Attributes.ContainsKey(TetragonAncestors.DroppedAttribute));
        Assert.Equal("python3", e.Attr("proc.pname"));
    }

    [Fact]
    public void Map_AnAncestorWithoutABinary_KeepsItsPlace_SoTheOnesAboveKeepTheirDepth()
    {
        var e = One(Line($",\"ancestors\":[{{\"exec_id\":\"eDox\",\"pid\":2950}},{Ancestor("/usr/sbin/sshd")}]"));

        var ancestors = Ancestors(e);
        Assert.Equal(2, ancestors.GetArrayLength());
        Assert.False(ancestors[0].TryGetProperty("exepath", out _));
        Assert.Equal(2950, ancestors[0].GetProperty("pid").GetInt64());
        Assert.Equal("/usr/sbin/sshd", ancestors[1].GetProperty("exepath").GetString());
    }

    [Fact]
    public void Map_TenThousandAncestors_KeepsTheNearestAndCountsTheRest()
    {
        var list = string.Join(',', Enumerable.Range(0, 10_000).Select(i => Ancestor("/bin/sh", "-c next", 10_000 + i)));

        var e = One(Line($",\"ancestors\":[{list}]"));

        var ancestors = Ancestors(e);
        Assert.Equal(TetragonAncestors.MaxAncestors, ancestors.GetArrayLength());
        Assert.Equal(10_000, ancestors[0].GetProperty("pid").GetInt64());
        Assert.Equal(10_000 + TetragonAncestors.MaxAncestors - 1, ancestors[TetragonAncestors.MaxAncestors - 1].GetProperty("pid").GetInt64());
        Assert.Equal(10_000 - TetragonAncestors.MaxAncestors, e.Attributes![TetragonAncestors.DroppedAttribute].GetInt64());
        Assert.True(e.Raw!.Value.GetRawText().Length <= SourceMapOptions.Default.MaxRawBytes);
    }

    [Fact]
    public void Map_AncestorsAboveTheByteBound_KeepsTheNearestThatFit()
    {
        var options = new SourceMapOptions(MaxObjectBytes: 4096);
        var list = string.Join(',', Enumerable.Range(0, 10).Select(i => Ancestor("/usr/bin/python3", new string('a', 1000), 5000 + i)));

        var e = One(Line($",\"ancestors\":[{list}]"), options);

        var ancestors = Ancestors(e);
        Assert.InRange(ancestors.GetArrayLength(), 1, 4);
        Assert.True(ancestors.GetRawText().Length <= 4096);
        Assert.Equal(5000, ancestors[0].GetProperty("pid").GetInt64());
        Assert.Equal(10 - ancestors.GetArrayLength(), e.Attributes![TetragonAncestors.DroppedAttribute].GetInt64());
    }

    [Fact]
    public void Map_AnAncestorsLongBinary_IsClippedToTheFieldBound()
    {
        var options = SourceMapOptions.Default with { MaxFieldLength = 64 };

        var e = One(Line($",\"ancestors\":[{Ancestor("/opt/" + new string('x', 500))}]"), options);

        var binary = Ancestors(e)[0].GetProperty("exepath").GetString()!;
        Assert.Equal(64, binary.Length);
        Assert.EndsWith("…", binary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(",\"ancestors\":{\"binary\":\"/usr/sbin/sshd\"}", "process_exec.ancestors", "expected an array of processes, got an object")]
    [InlineData(",\"ancestors\":\"/usr/sbin/sshd\"", "process_exec.ancestors", "expected an array of processes, got string \"/usr/sbin/sshd\"")]
    [InlineData(",\"ancestors\":[{\"binary\":\"/usr/sbin/sshd\"},\"/usr/sbin/nginx\"]", "process_exec.ancestors[1]", "expected a process object, got string \"/usr/sbin/nginx\"")]
    public void Map_AncestorsNotAListOfProcesses_IsTheItemsErrorNamingTheField(string ancestors, string field, string reason)
    {
        var result = Map(Line(ancestors));

        Assert.Empty(result.Events);
        var error = Assert.Single(result.Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }
}
