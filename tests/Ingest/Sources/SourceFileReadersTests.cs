namespace ZtStream.Ingest.Tests.Sources;

/// <summary>
/// Replay's file readers: every input item becomes an event or a reported skip, never nothing; <c>ztstream replay
/// --format okta|entra|keycloak|auth0</c> reads both the delivery envelope and NDJSON of bare records.
/// </summary>
public sealed class SourceFileReadersTests
{
    private static readonly DateTimeOffset ReadAt = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static (List<AccessEvent> Events, List<SkippedItem> Skipped) Read(string format, string text) => Read(format, Encoding.UTF8.GetBytes(text));

    private static (List<AccessEvent> Events, List<SkippedItem> Skipped) Read(string format, byte[] bytes)
    {
        var skipped = new List<SkippedItem>();
        using var stream = new MemoryStream(bytes);
        var events = SourceFileReaders.All[format](stream, ReadAt, skipped.Add).ToList();
        return (events, skipped);
    }

    /// <summary>Managed clusters' exports (file, events, what is skipped: where and the field).</summary>
    public static TheoryData<string, int, string> ManagedClusterExports => new()
    {
        { "gke-audit-entries.ndjson", 4, string.Empty },
        { "aks-diagnostic-records.json", 2, "item 2 records[2].category, item 3 records[3].properties.log" },
        { "aks-storage-archive.ndjson", 2, string.Empty },
        { "eks-firehose-delivery.json", 3, "item 3 records[3].data" },
        { "eks-cloudwatch-subscription.json", 2, string.Empty },
        { "eks-cloudwatch-authenticator.json", 0, "item 0 logStream" },
    };

    /// <summary>Managed clusters' exports replay through the same reader: what is skipped is said, with where and why.</summary>
    [Theory]
    [MemberData(nameof(ManagedClusterExports))]
    public void K8sAudit_ManagedClusterExports_AreReplayedAsTheyAreIngested(string file, int events, string skips)
    {
        var (mapped, skipped) = Read("k8s-audit", TestData.Managed(file));

        Assert.Equal(events, mapped.Count);
        // An entry of another Google Cloud service (GKE's own API) is its caller's access to the project.
        Assert.All(mapped, e => Assert.Equal(e.Attributes?.ContainsKey("gcp.service_name") == true ? EventKinds.AccessRequest : EventKinds.K8sAudit, e.Kind));
        Assert.Equal(skips, string.Join(", ", skipped.Select(s => $"{s.Where} {s.Field}")));
    }

    [Fact]
    public void K8sAudit_MixedLines_EveryBadItemReportedWithIndexFieldAndReason()
    {
        var text = string.Join('\n',
            """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-1","verb":"get","user":{"username":"alice"},"stageTimestamp":"2026-02-01T10:00:00Z"}""",
            """{"kind":"Pod","apiVersion":"v1","metadata":{"name":"x"}}""",
            """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-2","verb":"list","user":{}}""",
            """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-3","verb":"list","user":{"username":"bob"}}""",
            "");

        var (events, skipped) = Read("k8s-audit", text);

        Assert.Equal(["a-1", "a-3"], events.Select(e => e.GivenId()));
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 10, 0, 0, TimeSpan.Zero), events[1].Time);
        Assert.Equal(
            [("item 1", "kind"), ("item 2", "user.username")],
            skipped.Select(s => (s.Where, s.Field)));
        Assert.All(skipped, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
    }

    /// <summary>
    /// Replay scores what the live endpoints would have accepted: an adapter's name with a hidden character is kept escaped,
    /// a canonical event's is reported as refused.
    /// </summary>
    [Fact]
    public void Replay_HiddenCharacterInAName_EscapedFromAnAdapter_RefusedFromACanonicalLine()
    {
        var (audits, none) = Read("k8s-audit",
            """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"r-1","verb":"get","user":{"username":"evil\u0000admin"},"stageTimestamp":"2026-02-28T10:00:00Z"}""");
        var (canonical, skipped) = Read(SourceFileFormats.Canonical, Canonical("c-1", "01").Replace("ana@example.com", "ana\\u202E@example.com", StringComparison.Ordinal));

        Assert.Empty(none);
        var audit = Assert.Single(audits);
        Assert.Equal(@"evil\u0000admin", audit.Subject!.Id);
        Assert.Equal(["subject.id"], audit.List("ingest.escaped"));
        Assert.Empty(canonical);
        var skip = Assert.Single(skipped);
        Assert.Equal(("subject.id", "must not hold an invisible or bidirectional formatting character: U+202E at position 3"), (skip.Field, skip.Reason));
    }

    /// <summary>
    /// A last line cut inside a string (a file copied while written) is told once with its position, one-based. Before, the
    /// reader's own "LineNumber: 0 | BytePositionInLine: 86." followed, zero-based, after "at line 1, byte 87".
    /// </summary>
    [Fact]
    public void K8sAudit_LastLineCutInAString_PositionToldOnceInWords()
    {
        const string whole = """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"b-1","verb":"get","user":{"username":"alice"}}""";
        var (events, skipped) = Read("k8s-audit", whole + "\n" + whole[..^20]);

        Assert.Single(events);
        var skip = Assert.Single(skipped);
        Assert.Contains("malformed JSON at line 1, byte ", skip.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", skip.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", skip.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void K8sAudit_FirstLineBroken_ReadLineByLineAndTheBrokenLineIsReported()
    {
        var text = "{\"kind\":\"Event\",\"auditID\":\n"
            + """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"b-1","verb":"get","user":{"username":"alice"}}""" + "\n";

        var (events, skipped) = Read("k8s-audit", text);

        var e = Assert.Single(events);
        Assert.Equal(ReadAt, e.Time);
        var skip = Assert.Single(skipped);
        Assert.Equal("item 0 (line 1)", skip.Where);
        Assert.StartsWith("malformed JSON", skip.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Falco_NotAnAlert_Reported()
    {
        var (events, skipped) = Read("falco", """[{"rule":"Terminal shell in container","time":"2026-02-01T10:00:00Z","output_fields":{"k8s.pod.name":"p","k8s.ns.name":"n"}},{"message":"hello"}]""");

        Assert.Single(events);
        Assert.Equal(("item 1", "rule"), (skipped.Single().Where, skipped.Single().Field));
    }

    [Fact]
    public void Tetragon_TheExportFile_ReadsEachEventAndNamesTheExitByLine()
    {
        var (events, skipped) = Read("tetragon", File.ReadAllBytes(TestData.Path("tetragon", "events.jsonl")));

        Assert.Equal(7, events.Count);
        Assert.Equal(2, events.Count(e => e.Kind == EventKinds.RuntimeProcess));
        Assert.Equal(("item 7", "process_exit"), (skipped.Single().Where, skipped.Single().Field));
    }

    public static TheoryData<string, string, int> Envelopes => new()
    {
        { "okta", "event-hook-delivery.json", 2 },
        { "okta", "system-log-mfa-push.json", 3 },
        { "entra", "signin-records.json", 4 },
        { "keycloak", "user-events.json", 7 },
        { "auth0", "log-stream.json", 10 },
        { "google-workspace", "activities-list.json", 10 },
    };

    [Theory]
    [MemberData(nameof(Envelopes))]
    public void Read_DeliveryEnvelopeAndTheSameRecordsOnePerLine_GiveTheSameEvents(string format, string file, int count)
    {
        var bytes = TestData.Idp(format, file);
        var (fromEnvelope, skippedInEnvelope) = Read(format, bytes);
        var lines = string.Join('\n', BareRecords(format, bytes));
        var (fromLines, skippedInLines) = Read(format, lines);

        Assert.Equal(count, fromEnvelope.Count(e => !IsTwin(e)));
        Assert.Equal(fromEnvelope.Select(Summary), fromLines.Select(Summary));
        Assert.Empty(skippedInEnvelope);
        Assert.Empty(skippedInLines);
    }

    [Theory]
    [InlineData("okta", "system-log-admin.ndjson", 6)]
    [InlineData("entra", "log-analytics.ndjson", 2)]
    [InlineData("keycloak", "webhook.ndjson", 2)]
    [InlineData("auth0", "management-api.ndjson", 2)]
    public void Read_NdjsonFiles_ReadEveryLine(string format, string file, int count)
    {
        var (events, skipped) = Read(format, TestData.Idp(format, file));

        Assert.Equal(count, events.Count(e => !IsTwin(e)));
        Assert.Empty(skipped);
    }

    [Fact]
    public void Read_EachFailedSignInFromAnAddress_IsFollowedByItsAddressTwinThenItsTenantTwin_AsIngestAppendsThem()
    {
        var (events, _) = Read("auth0", TestData.Idp("auth0", "log-stream.json"));

        var twins = events.Select((e, i) => (e, i)).Where(x => IsTwin(x.e) && x.e.Subject?.Id.StartsWith("ip:", StringComparison.Ordinal) == true).ToList();
        Assert.NotEmpty(twins);
        Assert.All(twins, x =>
        {
            var original = events[x.i - 1];
            Assert.Equal((original.Id + "@tenant", "tenant:" + original.Subject?.Tenant), (events[x.i + 1].Id, events[x.i + 1].Subject?.Id));
            Assert.Equal(EventKinds.AuthLogin, original.Kind);
            Assert.Equal(Outcomes.Denied, original.Outcome);
            Assert.Equal("ip:" + original.Network!.SrcIp, x.e.Subject?.Id);
            Assert.Equal(original.Subject?.Id, x.e.Attr(AddressTwins.Account));
            Assert.Equal(original.Id, x.e.Attr(AddressTwins.TwinOf));
        });
    }

    private static bool IsTwin(AccessEvent e) => e.Attributes?.ContainsKey(AddressTwins.TwinOf) == true;

    private static string Summary(AccessEvent e) => $"{e.Id}|{e.Kind}|{e.Subject?.Id}|{e.Time:O}|{e.Outcome}|{e.Token?.SessionId}";

    /// <summary>What a log pipeline writes: the records without their delivery envelope, one per line.</summary>
    private static IEnumerable<string> BareRecords(string format, byte[] bytes)
    {
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        var records = format switch
        {
            "okta" when root.ValueKind == JsonValueKind.Object => root.GetProperty("data").GetProperty("events"),
            "entra" => root.GetProperty("records"),
            "google-workspace" => root.GetProperty("items"),
            _ => root,
        };
        foreach (var record in records.EnumerateArray())
        {
            // Auth0: the bare {data} object of each {log_id, data} envelope.
            var bare = format == "auth0" ? record.GetProperty("data") : record;
            yield return bare.GetRawText().Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal);
        }
    }

    private static IConfiguration MaxBody(int bytes) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Ingest:MaxBodyBytes"] = bytes.ToString(CultureInfo.InvariantCulture) }).Build();

    private static string Canonical(string id, string minute) =>
        $$"""{"id":"{{id}}","time":"2026-02-28T10:{{minute}}:00Z","kind":"access.request","subject":{"id":"ana@example.com"},"action":"read","outcome":"allowed"}""";

    private static string OktaRecord(string uuid) =>
        $$$"""{"uuid":"{{{uuid}}}","published":"2026-02-28T09:00:00.000Z","eventType":"user.session.start","actor":{"id":"00u9","type":"User","alternateId":"sam@example.com"},"client":{"ipAddress":"198.51.100.7"},"outcome":{"result":"SUCCESS"}}""";

    /// <summary>
    /// A line longer than one request body (64 MiB here, beyond Ingest:MaxBodyBytes of 1 MiB) is skipped naming its line,
    /// the lines after it are read, and it is never held: before, the whole line was gathered in memory (so a multi-GB line
    /// ran out of memory) and reported as malformed JSON.
    /// </summary>
    [Fact]
    public void Canonical_LineLongerThanOneBody_IsSkippedByLineNumber_NotHeld_AndTheNextLinesRead()
    {
        var after = Encoding.UTF8.GetBytes(Canonical("e1", "00") + "\n" + Canonical("e2", "01") + "\n");
        using var stream = new GeneratedStream(Encoding.UTF8.GetBytes(Canonical("e0", "00") + "\n"), 64L * 1024 * 1024, after);
        var skipped = new List<SkippedItem>();

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var events = SourceFileReaders.All["ndjson"](stream, ReadAt, skipped.Add, MaxBody(1024 * 1024)).ToList();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Equal(["e0", "e1", "e2"], events.Select(e => e.Id));
        var skip = Assert.Single(skipped);
        Assert.Equal(("line 2", "$"), (skip.Where, skip.Field));
        Assert.Contains("longer than 1048576 bytes (Ingest:MaxBodyBytes", skip.Reason, StringComparison.Ordinal);
        Assert.InRange(allocated, 0, 16L * 1024 * 1024);
    }

    /// <summary>
    /// An input that never ends (<c>/dev/zero</c>, a pipe) is reported as soon as its line passes the bound, not held until
    /// it ends: before, it was gathered until memory ran out, and nothing was said.
    /// </summary>
    [Theory]
    [InlineData("ndjson")]
    [InlineData("k8s-audit")]
    [InlineData("okta")]
    public void NeverEndingLine_IsReportedOnceItPassesTheBound_WithinBoundedMemory(string format)
    {
        // A source's file is first held up to the whole-payload bound (an export is one document); canonical events never are.
        var held = format == "ndjson" ? 0L : 5L * SourceFileReaders.WholePayloadBytes;
        using var stream = new GeneratedStream("{\"v\":\""u8.ToArray(), long.MaxValue, [], failAfter: (2L * SourceFileReaders.WholePayloadBytes) + (64L * 1024 * 1024));
        var skipped = new List<SkippedItem>();

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<EndOfStreamException>(() => SourceFileReaders.All[format](stream, ReadAt, skipped.Add, MaxBody(1024 * 1024)).ToList());
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        var skip = Assert.Single(skipped);
        Assert.Equal("line 1", skip.Where);
        Assert.Contains("longer than 1048576 bytes", skip.Reason, StringComparison.Ordinal);
        Assert.InRange(allocated, 0, held + (16L * 1024 * 1024));
    }

    /// <summary>
    /// A source's file of records one per line, longer than one request body but not one document: a broken line among
    /// them costs that record only, named by its place.
    /// </summary>
    [Fact]
    public void Okta_RecordsOnePerLine_LongerThanOneBody_ABrokenLineCostsThatRecordOnly()
    {
        var text = string.Join("\r\n", OktaRecord("u-1"), new string('x', 3000), OktaRecord("u-2"), OktaRecord("u-3"), "");

        var skipped = new List<SkippedItem>();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var events = SourceFileReaders.All["okta"](stream, ReadAt, skipped.Add, MaxBody(1024)).ToList();

        Assert.Equal(3, events.Count);
        var skip = Assert.Single(skipped);
        Assert.Equal(("item 1", "$"), (skip.Where, skip.Field));
    }

    /// <summary>
    /// An Okta System Log API answer (one JSON array, written across lines) larger than one request body is still one
    /// document: every record read, none refused as a broken line.
    /// </summary>
    [Fact]
    public void Okta_ExportLargerThanOneBody_IsReadAsOneDocument()
    {
        var text = "[\n" + string.Join(",\n", Enumerable.Range(0, 40).Select(i => OktaRecord($"u-{i}"))) + "\n]\n";

        var skipped = new List<SkippedItem>();
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var events = SourceFileReaders.All["okta"](stream, ReadAt, skipped.Add, MaxBody(1024)).ToList();

        Assert.Empty(skipped);
        Assert.Equal(40, events.Count);
    }

    /// <summary>Inputs that are no JSON at all, as users name them by mistake, and the words that name what each is.</summary>
    public static TheoryData<string, byte[], string> NotJsonInputs => new()
    {
        // gzip's member header (RFC 1952: ID1 ID2 CM FLG MTIME XFL OS), then deflate bytes: a rotated log kept compressed.
        { "ndjson", [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xAB, 0x56, 0xCA, 0x4C, 0x51, 0xB2], "is not NDJSON: it is gzip-compressed" },
        { "k8s-audit", [0x28, 0xB5, 0x2F, 0xFD, 0x04, 0x58, 0x45, 0x00, 0x00], "is not JSON: it is zstd-compressed" },
        // An ELF executable: control bytes in its first bytes.
        { "okta", [0x7F, (byte)'E', (byte)'L', (byte)'F', 0x02, 0x01, 0x01, 0x00, 0x00, 0x00], "is not JSON: line 1 holds the control byte 0x02 at byte 5" },
        // Saved as UTF-16 by a Windows tool (PowerShell's Out-File before 6).
        { "ndjson", [0xFF, 0xFE, (byte)'{', 0x00, (byte)'"', 0x00], "is not NDJSON: it is UTF-16" },
        // UTF-16 without its mark: every other byte is NUL.
        { "entra", [(byte)'{', 0x00, (byte)'"', 0x00, (byte)'r', 0x00], "is not JSON: line 1 holds the control byte 0x00 at byte 2" },
        // Latin-1 text, not UTF-8.
        { "ndjson", [(byte)'{', (byte)'"', (byte)'n', (byte)'"', (byte)':', (byte)'"', (byte)'J', 0xE9, (byte)'r', (byte)'"', (byte)'}', (byte)'\n'], "is not NDJSON: line 1 holds the byte 0xE9, not UTF-8, at byte 8" },
        { "ndjson", "time,subject,action,outcome\n2026-03-01T10:00:00Z,ana@example.com,read,success\n"u8.ToArray(), "is not NDJSON: line 1 starts with 'time,subject,action,outcome', not with a JSON object or array" },
        // A kube-apiserver audit policy named where its log was meant; blank lines before it are not its first line.
        { "k8s-audit", "\n\napiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"u8.ToArray(), "is not JSON: line 3 starts with 'apiVersion: audit.k8s.io/v1'" },
        // A container log with its runtime's prefix (CRI format) before each record.
        // Its lines end as records do, so the first could be a record cut at its start: the second, prefixed again, decides.
        { "keycloak", "2026-03-01T10:00:00.000000000Z stdout F {\"type\":\"LOGIN\",\"realmId\":\"r\"}\n2026-03-01T10:00:01.000000000Z stdout F {\"type\":\"LOGOUT\",\"realmId\":\"r\"}\n"u8.ToArray(), "is not JSON: line 1 starts with '2026-03-01T10:00:00.000000000Z stdout F" },
        // A line that ends with '}' and then a policy: no cut record, since what follows is no JSON either.
        { "k8s-audit", "  - group: \"\" # {core}\napiVersion: audit.k8s.io/v1\n"u8.ToArray(), "is not JSON: line 1 starts with '- group: \"\" # {core}'" },
    };

    /// <summary>
    /// An input that is not JSON at all is named from its first line, in one message saying what it is, before anything is
    /// read as records. Before, each of its lines was skipped as malformed JSON after the reader had held up to 64 MiB of
    /// a source's file (4 MiB of a canonical line), and the replay ended saying only that nothing could be scored.
    /// </summary>
    [Theory]
    [MemberData(nameof(NotJsonInputs))]
    public void NotJsonAtAll_RefusedFromItsFirstLine_SayingWhatItIs(string format, byte[] input, string expected)
    {
        var refused = Assert.Throws<InputNotJsonException>(() => Read(format, input));

        Assert.StartsWith(expected["is ".Length..], refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
    }

    /// <summary>
    /// A first line with no end is judged from its first 64 KiB: an input that never ends (a pipe, a device) is refused
    /// having been read that far, where before a canonical line was read to Ingest:MaxBodyBytes and a source's file to
    /// 64 MiB before anything was said, and the reading then went on.
    /// </summary>
    [Theory]
    [InlineData("ndjson")]
    [InlineData("k8s-audit")]
    public void NotJson_LineWithoutEnd_RefusedWithinTheFirst64KiB(string format)
    {
        using var stream = new GeneratedStream([], long.MaxValue, [], failAfter: 2L * 1024 * 1024);

        var refused = Assert.Throws<InputNotJsonException>(() => SourceFileReaders.All[format](stream, ReadAt, _ => { }).ToList());

        Assert.Contains("line 1 starts with 'xxxx", refused.Message, StringComparison.Ordinal);
        Assert.InRange(stream.Position, 1, SourceFileReaders.FirstLineBytes);
    }

    /// <summary>
    /// What is JSON is read as before, whatever its first line looks like: blank lines and a byte order mark before it,
    /// an array, a document written across lines, a first line longer than the 64 KiB looked at whose character is cut
    /// there, one that starts as JSON and breaks (one bad record, reported as such). The skips are counted by item.
    /// </summary>
    [Theory]
    [InlineData("ndjson", "\r\n\n  [ENVELOPE]\n", 1, 0)]
    [InlineData("ndjson", "{\"id\":\"e0\", \"time\":\nEVENT\n", 1, 1)]
    [InlineData("okta", "[\n  OKTA\n]\n", 1, 0)]
    [InlineData("ndjson", "{\"id\":\"x[LONG]\"}\nEVENT\n", 1, 1)]
    [InlineData("ndjson", "me\":\"2026-03-01T10:00:00Z\"}\nEVENT\n", 1, 1)]
    [InlineData("ndjson", "\"}]}\n\nEVENT\n", 1, 1)]
    [InlineData("okta", "d\":\"u-0\"}}\nOKTA\n", 1, 1)]
    public void JsonWhateverItsFirstLine_ReadAsBefore(string format, string template, int events, int skips)
    {
        var text = template
            .Replace("ENVELOPE", Canonical("e1", "00"), StringComparison.Ordinal)
            .Replace("EVENT", Canonical("e2", "01"), StringComparison.Ordinal)
            .Replace("OKTA", OktaRecord("u-1"), StringComparison.Ordinal)
            .Replace("[LONG]", string.Concat(Enumerable.Repeat("é", SourceFileReaders.FirstLineBytes)), StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text)).ToArray();

        var (read, skipped) = Read(format, bytes);

        Assert.Equal(events, read.Count);
        Assert.Equal(skips, skipped.Select(s => s.Where).Distinct().Count());
    }

    /// <summary>
    /// An input read from an offset (<c>tail -c</c>, a file rotated while read) starts inside a record, here inside a
    /// character too: that line is one skipped record and the rest is read, as the first line alone cannot say the input
    /// is no JSON. Before, the input was refused ("line 1 holds the byte 0xA9, not UTF-8").
    /// </summary>
    [Fact]
    public void CutInsideARecordAndACharacter_ThatLineSkipped_TheRestRead()
    {
        var bytes = new byte[] { 0xA9, (byte)'"', (byte)'}', (byte)'\n' }.Concat(Encoding.UTF8.GetBytes(Canonical("e2", "01") + "\n")).ToArray();

        var (events, skipped) = Read("ndjson", bytes);

        Assert.Equal("e2", Assert.Single(events).Id);
        Assert.Equal("item 0 (line 1)", Assert.Single(skipped.Select(s => s.Where).Distinct()));
    }

    /// <summary>A file saved with a UTF-8 byte order mark and CRLF line ends (Windows editors) reads as without them.</summary>
    [Theory]
    [InlineData("ndjson")]
    [InlineData("okta")]
    public void FileWithByteOrderMarkAndCrLf_ReadsAsWithout(string format)
    {
        var lines = format == "okta" ? new[] { OktaRecord("u-1"), OktaRecord("u-2") } : [Canonical("e1", "00"), Canonical("e2", "01")];
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n")).ToArray();

        var (events, skipped) = Read(format, bytes);

        Assert.Empty(skipped);
        Assert.Equal(2, events.Count);
    }

    /// <summary><paramref name="head"/>, then <paramref name="lineBytes"/> bytes of 'x' and a line end, then <paramref name="tail"/>; made as read, never held.</summary>
    private sealed class GeneratedStream(byte[] head, long lineBytes, byte[] tail, long failAfter = long.MaxValue) : Stream
    {
        private long position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (position >= failAfter)
            {
                throw new EndOfStreamException("the test's input ran out before the reader said anything");
            }

            var written = 0;
            while (written < buffer.Length)
            {
                var lineEnd = lineBytes == long.MaxValue ? long.MaxValue : head.Length + lineBytes + 1;
                if (position < head.Length)
                {
                    buffer[written++] = head[position++];
                }
                else if (position < lineEnd - 1)
                {
                    var n = (int)Math.Min(buffer.Length - written, lineEnd - 1 - position);
                    buffer.Slice(written, n).Fill((byte)'x');
                    written += n;
                    position += n;
                }
                else if (position == lineEnd - 1)
                {
                    buffer[written++] = (byte)'\n';
                    position++;
                }
                else if (position - lineEnd < tail.Length)
                {
                    buffer[written++] = tail[position - lineEnd];
                    position++;
                }
                else
                {
                    break;
                }
            }

            return written;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
