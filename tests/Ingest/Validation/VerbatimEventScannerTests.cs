namespace ZtStream.Ingest.Tests.Validation;

/// <summary>
/// The byte-reading fast path against the full validator on the same inputs: every body must give the same items (index,
/// id, principal key, the record Ingest appends) and the same errors (index, field, message) either way.
/// </summary>
public sealed class VerbatimEventScannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    // Small limits so that each one can be crossed by a few bytes: the fast path counts bytes, the full path characters.
    private static readonly IngestOptions Tight = new() { MaxIdLength = 8, MaxFieldLength = 12, MaxAttributesBytes = 40, MaxRawBytes = 30 };

    /// <summary>One event item each, in shapes senders produce and shapes they get wrong; "{0}" is a valid id.</summary>
    public static readonly TheoryData<string> Items =
    [
        // Canonical, as the contract writes it, in other orders, with every object and with nulls.
        """{"id":"a1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"schema":1,"id":"a2","time":"2026-11-28T11:59:00.1234567Z","kind":"auth.login","subject":{"id":"bob","type":"user","tenant":"t1"},"token":{"jti":"j","client_id":"c","session_id":"s","issued_at":"2026-11-28T11:00:00Z","expires_at":"2026-11-28T13:00:00+01:00","bound_workload":"w"},"workload":{"id":"ns/p","name":"p","namespace":"ns","image":"i:1","node":"n","service_account":"sa"},"network":{"src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":443},"resource":{"type":"secret","id":"r","data_class":"pii"},"action":"GET","outcome":"success","bytes":12,"status":200,"user_agent":"ua","attributes":{"k":[1,{"x":null}]},"raw":{"a":1}}""",
        """ { "kind" : "access.data" , "subject" : { "id" : "bob" } , "time" : "2026-11-28T11:59:00+05:30" , "id" : "a3" } """,
        """{"id":"a4","time":"2026-11-28T11:59:00Z","kind":"access.data","workload":{"id":"shop/cart-1"}}""",
        """{"id":"a5","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":null,"workload":{"id":"w"},"token":null,"network":{},"resource":{},"action":null,"bytes":null,"status":null,"attributes":null,"raw":null}""",
        """{"id":"a6","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":""},"workload":{"id":"w"}}""",
        """{"id":"a7","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"attributes":{}}""",
        // Schema.
        """{"schema":null,"id":"s1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"schema":2,"id":"s2","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"schema":0,"id":"s3","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"schema":"1","id":"s4","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"schema":1.0,"id":"s5","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        // Time.
        """{"id":"t1","time":"2026-11-28t11:59:00z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"t2","time":"2026-11-28T11:59:00","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"t3","time":"2026-11-28T11:59:00.123456789Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"t4","time":"2026-11-28T11:59:00.1234567891Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"t5","time":"2026-11-28T23:59:60Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"t6","time":"2026-11-28 11:59:00 UTC","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"t7","time":"2026-11-28","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"t8","time":"2025-01-01T00:00:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"t9","time":"2026-11-28T12:06:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"t10","time":1764331140,"kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"t11","time":"2026-11-28T11:59:00\u005A","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"t12","time":"2026-13-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        // Id and kind.
        """{"id":" ","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"\u0041b","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"éé","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"ééééé","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"123456789","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":42,"time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"k1","time":"2026-11-28T11:59:00Z","kind":"zt.baseline","subject":{"id":"bob"}}""",
        """{"id":"k2","time":"2026-11-28T11:59:00Z","kind":"ZT.baseline","subject":{"id":"bob"}}""",
        """{"id":"k3","time":"2026-11-28T11:59:00Z","kind":"","subject":{"id":"bob"}}""",
        """{"id":"k4","time":"2026-11-28T11:59:00Z","kind":"access.data.long","subject":{"id":"bob"}}""",
        // Subject and workload.
        // The claim an application's token named the subject by: a login claim is keyed in the one form of login names.
        """{"id":"c1","time":"2026-11-28T11:59:00Z","kind":"access.request","subject":{"id":"Dana@X.io","type":"user","claim":"email"}}""",
        """{"id":"c2","time":"2026-11-28T11:59:00Z","kind":"access.request","subject":{"claim":"upn","id":"dana@x.io"}}""",
        """{"id":"c3","time":"2026-11-28T11:59:00Z","kind":"access.request","subject":{"id":"Zoë@x","claim":"email"}}""",
        """{"id":"c4","time":"2026-11-28T11:59:00Z","kind":"access.request","subject":{"id":"Zoë@X","claim":"upn"}}""",
        """{"id":"c5","time":"2026-11-28T11:59:00Z","kind":"access.request","subject":{"id":"00uDana","claim":"sub"}}""",
        """{"id":"c6","time":"2026-11-28T11:59:00Z","kind":"access.request","subject":{"id":"Dana@X.io","claim":null}}""",
        """{"id":"c7","time":"2026-11-28T11:59:00Z","kind":"access.request","subject":{"id":"Dana@X.io","claim":7}}""",
        """{"id":"c8","time":"2026-11-28T11:59:00Z","kind":"access.request","subject":{"id":"ＤＡＮＡ","claim":"email"}}""",
        """{"id":"c9","time":"2026-11-28T11:59:00Z","kind":"access.request","subject":{"id":"Dana@X.io","claim":"preferred_username"}}""",
        // The principal key made from the id's bytes: the subject's when both are there, else the workload's, non-ASCII too.
        """{"id":"p9","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"zoë"},"workload":{"id":"ns/wörk"}}""",
        """{"id":"p10","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":null,"workload":{"id":"ns/wörk","name":"wörk"}}""",
        """{"id":"p11","time":"2026-11-28T11:59:00Z","kind":"access.data","workload":{"id":"ns/wörk"},"subject":{"id":"Zoë@X","claim":"email"}}""",
        """{"id":"p1","time":"2026-11-28T11:59:00Z","kind":"access.data"}""",
        """{"id":"p2","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{}}""",
        """{"id":"p3","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":null},"workload":{"id":"w"}}""",
        """{"id":"p4","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":"bob"}""",
        """{"id":"p5","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob","role":"admin"}}""",
        """{"id":"p6","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob","id":"eve"}}""",
        """{"id":"p7","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob","tenant":"a-very-long-tenant"}}""",
        """{"id":"p8","time":"2026-11-28T11:59:00Z","kind":"access.data","workload":{"id":"  "}}""",
        // Token, network, numbers.
        """{"id":"n1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"token":{"issued_at":"2026-11-28"}}""",
        """{"id":"n2","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"token":{"issued_at":"yesterday"}}""",
        """{"id":"n3","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"token":{"expires_at":1764331140}}""",
        """{"id":"n4","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"network":{"dst_port":70000}}""",
        """{"id":"n5","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"network":{"dst_port":"80"}}""",
        """{"id":"n6","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"network":{"dst_port":80.0}}""",
        """{"id":"n7","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"bytes":-1}""",
        """{"id":"n8","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"bytes":1e3}""",
        """{"id":"n9","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"bytes":99999999999999999999}""",
        """{"id":"n10","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"status":1000}""",
        """{"id":"n11","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"status":true}""",
        """{"id":"n12","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"outcome":7}""",
        // Attributes, raw, source, unknown and repeated fields, escapes.
        """{"id":"x1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"attributes":[1]}""",
        """{"id":"x2","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"attributes":{"k":"0123456789012345678901234567890123"}}""",
        """{"id":"x3","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"attributes":{"é":"012345678901234567890123456"}}""",
        """{"id":"x4","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"attributes":{"k":1,"k":2}}""",
        """{"id":"x14","time":"2026-11-28T11:59:00Z","kind":"k8s.audit","subject":{"id":"bob"},"attributes":{"k8s.cluster":"pr\u006fd","k8s.cluster":7}}""",
        """{"id":"x15","time":"2026-11-28T11:59:00Z","kind":"k8s.audit","subject":{"id":"bob"},"attributes":{"k8s.cluster":"prod"}}""",
        """{"id":"x5","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"raw":[1]}""",
        """{"id":"x6","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"raw":{"a":"0123456789012345678901234"}}""",
        """{"id":"x7","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"source":"forged"}""",
        """{"id":"x8","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"ticket":"INC-1"}""",
        """{"id":"x9","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"id":"x9b"}""",
        """{"\u0069d":"x10","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"x11","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"b\"ob"}}""",
        """{"id":"x12","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"user_agent":"ééééééé"}""",
        """{"id":"x13","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"ID":"upper"}""",
        // Control characters in ids and names, escaped (C0) or as their bytes (DEL, C1): refused by field; a user agent keeps them.
        """{"id":"z1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob\u0000@x"}}""",
        """{"id":"z2\n","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""",
        """{"id":"z3","time":"2026-11-28T11:59:00Z","kind":"access.\u001bdata","subject":{"id":"bob"}}""",
        """{"id":"z4","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob\u007f"}}""",
        "{\"id\":\"z5\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\u0085\"}}",
        "{\"id\":\"z6\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"workload\":{\"id\":\"ns/w\",\"namespace\":\"n\u009bs\"}}",
        "{\"id\":\"z7\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\",\"tenant\":\"t\u007f\"}}",
        """{"id":"z8","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"token":{"session_id":"s\r"}}""",
        "{\"id\":\"z9\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\"},\"user_agent\":\"ua\u0085\\t\"}",
        """{"id":"z10","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"attributes":{"k8s.cluster":"prod\u0000"}}""",
        "{\"id\":\"z11\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\"},\"attributes\":{\"k8s.cluster\":\"prod\u0085\"}}",
        "{\"id\":\"z12\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\"},\"action\":\"GET\u0080\",\"resource\":{\"type\":\"t\",\"id\":\"r\\u0007\"}}",
        "{\"id\":\"z13\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"b\u00a0\u00c2\u0100\"}}",
        "{\"id\":\"z14\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\"},\"attributes\":{\"k8s.cluster\":\"\\u0070rod\\u000a\"}}",
        // Invisible and bidi formatting characters in ids and names, as UTF-8 bytes or escaped: refused by field alike; the
        // joiners of Persian, Indic and emoji kept; a user agent keeps any of them.
        "{\"id\":\"z15\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"al\u202Etxt\"}}",
        "{\"id\":\"z16\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"ad\u200Bmin\"}}",
        """{"id":"z17","time":"2026-11-28T11:59:00Z","kind":"access.data","workload":{"id":"ns/w","name":"a\u2066b"}}""",
        "{\"id\":\"z18\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"\u0645\u06CC\u200C\u0647\"}}",
        "{\"id\":\"z19\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\"},\"action\":\"GET\U000E0041\"}",
        "{\"id\":\"z20\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\"},\"token\":{\"jti\":\"\uFEFFj\"}}",
        "{\"id\":\"z21\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\"},\"attributes\":{\"k8s.cluster\":\"p\u061Cr\"}}",
        "{\"id\":\"z22\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access.data\",\"subject\":{\"id\":\"bob\"},\"user_agent\":\"ua\u202E\u200D\"}",
        "{\"id\":\"z23\",\"time\":\"2026-11-28T11:59:00Z\",\"kind\":\"access\u00ADdata\",\"subject\":{\"id\":\"\U0001F469\u200D\U0001F4BB\"}}",
        """{"id":"z24","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"attributes":{"k8s.cluster":"\u200fprod"}}""",
        // Failed sign-ins, which Ingest writes with an address twin, and look-alikes.
        """{"id":"f1","time":"2026-11-28T11:59:00Z","kind":"auth.login","subject":{"id":"bob","tenant":"t1"},"network":{"src_ip":"203.0.113.9"},"outcome":"denied"}""",
        """{"id":"f2","time":"2026-11-28T11:59:00Z","kind":"auth.login","subject":{"id":"bob"},"network":{"src_ip":"203.0.113.9"},"outcome":"Denied"}""",
        """{"id":"f3","time":"2026-11-28T11:59:00Z","kind":"auth.login","subject":{"id":"bob"},"network":{"src_ip":"203.0.113.9"},"outcome":"success"}""",
        """{"id":"f4","time":"2026-11-28T11:59:00Z","kind":"auth.login","subject":{"id":"bob"},"network":{"src_ip":"203.0.113.9"},"outcome":"\u0064enied"}""",
        """{"id":"f5","time":"2026-11-28T11:59:00Z","kind":"auth.login","subject":{"id":"bob"},"outcome":"denied"}""",
        """{"id":"f6","time":"2026-11-28T11:59:00Z","kind":"auth.login","workload":{"id":"w"},"network":{"src_ip":"203.0.113.9"},"outcome":"denied"}""",
        """{"id":"f7","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"network":{"src_ip":"203.0.113.9"},"outcome":"denied"}""",
        """{"id":"f8","time":"2026-11-28T11:59:00Z","kind":"auth.login","subject":{"id":"bob"},"network":{"src_ip":"203.0.113.9"},"outcome":"denied","attributes":{"auth.twin_of":"f1"}}""",
        // Not an event object.
        """[{"id":"y1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}]""",
        "\"an event\"",
        "null",
        "17",
    ];

    [Theory]
    [MemberData(nameof(Items))]
    public void Parse_OneItemInEveryShape_GivesWhatTheFullValidatorGives(string item)
    {
        foreach (var options in new[] { new IngestOptions(), Tight })
        {
            foreach (var body in Shapes(item))
            {
                AssertSame(body, options);
            }
        }
    }

    [Fact]
    public void Parse_AllItemsInOneBody_GivesWhatTheFullValidatorGives()
    {
        var items = Items.Select(row => row.Data).ToList();
        foreach (var options in new[] { new IngestOptions(), Tight })
        {
            AssertSame(Encoding.UTF8.GetBytes("[" + string.Join(",", items) + "]"), options);
            AssertSame(Encoding.UTF8.GetBytes(string.Join("\n", items.Where(i => !i.StartsWith('[')))), options);
        }
    }

    [Fact]
    public void Parse_BodiesThatAreNotWellFormed_GiveWhatTheFullValidatorGives()
    {
        const string Good = """{"id":"a1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""";
        string[] bodies =
        [
            "", "   ", "[]", "[", "{", $"[{Good},]", $"[{Good}", $"{Good}\n{{\"id\":", $"{Good}\nnot json\n{Good}",
            $"[{Good}] // comment", $"{Good}{Good}", $"[{Good}][{Good}]", $"{Good}\n[{Good},{Good}]", $"[[{Good}]]",
            string.Concat(Enumerable.Repeat("[", 70)) + string.Concat(Enumerable.Repeat("]", 70)),
        ];
        foreach (var body in bodies)
        {
            AssertSame(Encoding.UTF8.GetBytes(body), new IngestOptions());
        }
    }

    [Fact]
    public void Parse_StringThatIsNotValidUtf8_GivesWhatTheFullValidatorGives()
    {
        foreach (var field in new[] { "id", "kind", "action" })
        {
            var body = new List<byte>();
            body.AddRange(Encoding.UTF8.GetBytes($$"""[{"id":"u1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"{{field}}":"a"""));
            body.AddRange([0xC3, 0x28]);
            body.AddRange("\"}]"u8.ToArray());
            AssertSame([.. body], new IngestOptions());
        }
    }

    [Fact]
    public void TryAcceptVerbatim_CanonicalEvents_AreTakenFromTheirBytes()
    {
        var validator = Validator(new IngestOptions());
        var canonical = Items.Select(row => row.Data).Take(7).Where(json => !json.Contains("\"a6\"", StringComparison.Ordinal)).ToList();

        foreach (var json in canonical)
        {
            Assert.True(validator.TryAcceptVerbatim(Encoding.UTF8.GetBytes(json.Trim()), out var scanned), json);
            var e = ContractJson.DeserializeEvent(Encoding.UTF8.GetBytes(json));
            Assert.Equal(e.Id, scanned.Id);
            Assert.Equal(e.PrincipalKey, scanned.PrincipalKey);
            Assert.False(scanned.FailedSignIn);
        }
    }

    [Theory]
    [InlineData("preferred_username", "Dana.Kowalski@Acme.Example", "dana.kowalski@acme.example")]
    [InlineData("email", "DANA.KOWALSKI@ACME.EXAMPLE", "dana.kowalski@acme.example")]
    [InlineData("upn", "\uff24\uff41\uff4e\uff41@acme.example", "dana@acme.example")]
    [InlineData("unique_name", "Zoe\u0308.M\u00fcller@Acme.Example", "zo\u00eb.m\u00fcller@acme.example")]
    // An opaque id keeps its case: two ids that differ only in case may be two users.
    [InlineData("sub", "00uDanaK0w4lsk1", "00uDanaK0w4lsk1")]
    [InlineData("oid", "Dana.Kowalski@Acme.Example", "Dana.Kowalski@Acme.Example")]
    [InlineData(null, "Dana.Kowalski@Acme.Example", "Dana.Kowalski@Acme.Example")]
    public void Parse_ASubjectNamedByALoginClaim_IsKeyedInTheOneFormOfLoginNames(string? claim, string written, string principal)
    {
        var validator = Validator(new IngestOptions());
        var subject = new JsonObject { ["id"] = JsonValue.Create(written), ["claim"] = claim };
        var json = new JsonObject { ["id"] = "l1", ["time"] = "2026-11-28T11:59:00Z", ["kind"] = "access.request", ["subject"] = subject }.ToJsonString();
        var errors = new List<ItemError>();

        var e = validator.Parse(JsonDocument.Parse(json).RootElement, 0, string.Empty, errors, out var verbatim);

        Assert.Empty(errors);
        Assert.Equal(principal, e?.PrincipalKey);
        Assert.Equal(claim, e?.Subject?.Claim);
        // Only an id already in its one form may be forwarded as its own bytes; the fast path agrees.
        var unchanged = e?.Subject?.Id == written;
        Assert.Equal(unchanged, verbatim);
        Assert.Equal(unchanged, validator.TryAcceptVerbatim(Encoding.UTF8.GetBytes(json), out _));
    }

    [Theory]
    [InlineData("""{"k8s.cluster":"prod-eu"}""", "prod-eu")]
    [InlineData("""{"a":[1,{"k8s.cluster":"x"}],"k8s.cluster":"prod-ü","z":{"k8s.cluster":"y"}}""", "prod-ü")]
    [InlineData(""" { "k8s.cluster" : "" } """, "")]
    [InlineData("""{"k8s.cluster":7}""", null)]
    [InlineData("""{"k8s.cluster":null}""", null)]
    [InlineData("""{"k8s.cluster":{"name":"prod-eu"}}""", null)]
    [InlineData("""{"k8s":{"cluster":"prod-eu"},"K8s.Cluster":"prod-eu","k8s.clusters":"prod-eu"}""", null)]
    [InlineData("""{}""", null)]
    [InlineData("null", null)]
    public void TryAcceptVerbatim_ClusterAttribute_IsRecordedWhereTheContractReadsIt(string attributes, string? cluster)
    {
        var json = AuditEventWith(attributes);

        Assert.True(Validator(new IngestOptions()).TryAcceptVerbatim(json, out var scanned));

        Assert.False(scanned.Scope.ClusterUnsure);
        Assert.Equal(cluster, scanned.Scope.Cluster.Read(json));
        var read = ContractJson.DeserializeEvent(json).Attributes?.GetValueOrDefault(K8sAuditMapper.ClusterAttribute);
        Assert.Equal(cluster, read is { ValueKind: JsonValueKind.String } c ? c.GetString() : null);
    }

    [Theory]
    [InlineData("""{"k8s.cluster":"\u0070rod-eu"}""")]
    [InlineData("""{"k8s.cluster":"prod\/eu","team":"a"}""")]
    [InlineData("""{"k8s.cluster":"prod-eu","k8s.cluster":"prod-eu"}""")]
    [InlineData("""{"k8s.cluster":7,"k8s.cluster":"prod-eu"}""")]
    [InlineData("""{"k8s.cluster":"prod-eu","x":1,"k8s.cluster":null}""")]
    public void TryAcceptVerbatim_ClusterTheBytesDoNotShowPlainly_IsMarkedUnsure_AndTheEventStillTakenFromItsBytes(string attributes)
    {
        var json = AuditEventWith(attributes);

        // Sources without a cluster limit keep the fast path; a cluster limit reads the event (ScopeFields.Read).
        Assert.True(Validator(new IngestOptions()).TryAcceptVerbatim(json, out var scanned));

        Assert.True(scanned.Scope.ClusterUnsure);
    }

    [Fact]
    public void TryAcceptVerbatim_ClusterThatIsNotValidUtf8_IsNotRecorded()
    {
        var json = AuditEventWith("""{"k8s.cluster":"a??"}""");
        // The bytes C3 28: a lead byte followed by "(" instead of its continuation.
        var at = Array.IndexOf(json, (byte)'?');
        (json[at], json[at + 1]) = ((byte)0xC3, (byte)0x28);

        var accepted = Validator(new IngestOptions()).TryAcceptVerbatim(json, out var scanned);

        Assert.True(!accepted || scanned.Scope.ClusterUnsure);
        Assert.Null(scanned.Scope.Cluster.Read(json));
    }

    /// <summary>A canonical audit event with <paramref name="attributes"/> (JSON) as its attributes, as UTF-8.</summary>
    private static byte[] AuditEventWith(string attributes) =>
        Encoding.UTF8.GetBytes("""{"id":"k1","time":"2026-11-28T11:59:00Z","kind":"k8s.audit","subject":{"id":"bob"},"attributes":""" + attributes + "}");

    [Fact]
    public void TryAcceptVerbatim_FailedSignIn_IsMarkedSoItsAddressTwinIsWritten()
    {
        var validator = Validator(new IngestOptions());
        var failed = """{"id":"f1","time":"2026-11-28T11:59:00Z","kind":"auth.login","subject":{"id":"bob"},"network":{"src_ip":"203.0.113.9"},"outcome":"denied"}"""u8;
        var succeeded = """{"id":"f3","time":"2026-11-28T11:59:00Z","kind":"auth.login","subject":{"id":"bob"},"network":{"src_ip":"203.0.113.9"},"outcome":"success"}"""u8;

        Assert.True(validator.TryAcceptVerbatim(failed, out var f));
        Assert.True(validator.TryAcceptVerbatim(succeeded, out var s));

        Assert.True(f.FailedSignIn);
        Assert.NotNull(AddressTwins.Of(ContractJson.DeserializeEvent(failed.ToArray())));
        Assert.False(s.FailedSignIn);
    }

    [Fact]
    public void TryAcceptVerbatim_AdministratorsResetOfAnotherUser_IsMarkedSoItsActorTwinIsWritten()
    {
        var validator = Validator(new IngestOptions());
        var reset = """{"id":"r1","time":"2026-11-28T11:59:00Z","kind":"auth.credential_change","subject":{"id":"ana@acme.example"},"outcome":"success","attributes":{"auth.change":"reset","auth.actor":"it-admin@acme.example"}}"""u8;
        var access = """{"id":"r2","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"ana@acme.example"},"outcome":"success"}"""u8;

        Assert.True(validator.TryAcceptVerbatim(reset, out var r));
        Assert.True(validator.TryAcceptVerbatim(access, out var a));

        Assert.True(r.FailedSignIn);
        Assert.Equal("it-admin@acme.example", AddressTwins.ActorOf(ContractJson.DeserializeEvent(reset.ToArray()))?.PrincipalKey);
        Assert.False(a.FailedSignIn);
    }

    [Theory]
    [InlineData("2026-11-28T11:59:00Z", true)]
    [InlineData("2026-11-28T11:59:00.5-07:00", true)]
    [InlineData("2026-11-28T11:59:00.123456789+00:00", true)]
    [InlineData("2026-11-28T11:59:00.Z", false)]
    [InlineData("2026-11-28T11:59:00.1234567890Z", false)]
    [InlineData("2026-11-28T11:59:00", false)]
    [InlineData("2026-11-28T11:59:00+0100", false)]
    [InlineData("2026-11-28 11:59:00Z", false)]
    [InlineData("2026-11-28T11:59Z", false)]
    [InlineData("2026-11-28t11:59:00z", false)]
    public void IsRfc3339_TakesOnlyTheInternetDateTimeForm(string text, bool expected) =>
        Assert.Equal(expected, VerbatimEventScanner.IsRfc3339(Encoding.UTF8.GetBytes(text)));

    /// <summary>The item as a body on its own, in an array with neighbours, as NDJSON lines and as a CloudEvent's data.</summary>
    private static IEnumerable<byte[]> Shapes(string item)
    {
        const string Neighbour = """{"id":"nb","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"amy"}}""";
        yield return Encoding.UTF8.GetBytes(item);
        yield return Encoding.UTF8.GetBytes($"[{Neighbour},{item},{Neighbour}]");
        yield return Encoding.UTF8.GetBytes($"{Neighbour}\n{item}\n{Neighbour}\n");
        yield return Encoding.UTF8.GetBytes($"[ {item} ]");
    }

    private static EventValidator Validator(IngestOptions options) =>
        new(Microsoft.Extensions.Options.Options.Create(options), new FakeTimeProvider(Now));

    private static void AssertSame(byte[] body, IngestOptions options)
    {
        var validator = Validator(options);
        var expected = JsonPayload.MapItems(body, (element, index, items, errors) =>
        {
            var e = validator.Parse(element, index, string.Empty, errors, out var verbatim);
            if (e is not null)
            {
                items.Add(new MappedEvent(index, e, verbatim ? JsonMarshal.GetRawUtf8Value(element).ToArray() : null));
            }
        });

        var actual = new EventBatchParser(validator).Parse(body, EventsFormat.Json);

        Assert.Equal(Describe(expected.Errors), Describe(actual.Errors));
        Assert.Equal(Describe(expected.Items), Describe(actual.Items));

        static string Describe<T>(IEnumerable<T> values) => string.Join("\n", values.Select(v => v switch
        {
            MappedEvent m => $"{m.Index} {m.Id} {m.PrincipalKey} {m.Json is null} {Record(m)} twin: {Twin(m)}",
            _ => v?.ToString(),
        }));
    }

    /// <summary>The address twin Ingest appends after <paramref name="item"/>, if any (asked of the event only when it may be a failed sign-in, as Ingest asks).</summary>
    private static string? Twin(MappedEvent item) =>
        item.MayBeFailedSignIn && AddressTwins.Of(item.Event) is { } twin ? Encoding.UTF8.GetString(ContractJson.Serialize(twin)) : null;

    /// <summary>The record Ingest appends for <paramref name="item"/>, as the Verifier reads it back.</summary>
    private static string Record(MappedEvent item)
    {
        var value = item.Json is { } json
            ? EventAppender.Stamped(json, "\"source\":\"src\","u8)
            : ContractJson.Serialize(item.Event with { Source = "src" });
        return Encoding.UTF8.GetString(ContractJson.Serialize(ContractJson.DeserializeEvent(value)));
    }
}
