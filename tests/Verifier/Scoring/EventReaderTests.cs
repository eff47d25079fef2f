namespace ZtStream.Verifier.Tests.Scoring;

public sealed class EventReaderTests
{
    private static List<AccessEvent> Simulated(int take = 3_000) =>
        [.. new TrafficSimulator(new SimulationOptions { Principals = 40, Days = 1, Seed = 5 }).Generate().Select(s => s.Event).Take(take)];

    [Fact]
    public void Read_SimulatedTraffic_EqualsContractDeserializer()
    {
        var reader = new EventReader();
        var fast = 0;
        foreach (var e in Simulated())
        {
            var bytes = ContractJson.Serialize(e);
            var expected = ContractJson.DeserializeEvent(bytes);
            if (reader.TryRead(bytes) is { } read)
            {
                fast++;
                if (expected.Attributes is null && expected.Raw is null)
                {
                    Assert.Equal(expected, read);
                }
                else
                {
                    // JSON elements (and dictionaries of them) compare by reference; the serialized form is the contract.
                    Assert.Equal(expected with { Attributes = null, Raw = null }, read with { Attributes = null, Raw = null });
                    Assert.Equal(bytes, ContractJson.Serialize(read));
                }
            }

            Assert.Equal(bytes, ContractJson.Serialize(reader.Read(bytes)));
        }

        Assert.True(fast > 0);
    }

    [Fact]
    public void Read_EveryField_EqualsContractDeserializer()
    {
        var e = Events.Read(Events.T0, token: new TokenInfo
        {
            Jti = "j-1", ClientId = "web", SessionId = "s-1", IssuedAt = Events.T0.AddMinutes(-5), ExpiresAt = Events.T0.AddHours(1), BoundWorkload = "shop/api-1",
        }) with
        {
            Source = "gateway",
            Status = 403,
            Network = new NetworkInfo { SrcIp = "10.0.0.1", DstIp = "10.0.0.2", DstPort = 5432 },
            Workload = new Workload { Id = "shop/api-1", Name = "api", Namespace = "shop", Image = "api:1", Node = "n1", ServiceAccount = "api" },
        };
        var bytes = ContractJson.Serialize(e);
        var read = new EventReader().TryRead(bytes);
        Assert.NotNull(read);
        Assert.Equal(ContractJson.DeserializeEvent(bytes), read);
        Assert.Equal(e, read);
    }

    [Theory]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit","attributes":{"verb":"create","verb":"delete"}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit","raw":{},"raw":{}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","extra":1}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","kind":"auth.login"}""")]
    [InlineData("""{"\u0069d":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","subject":{"id":"u","groups":[]}}""")]
    public void TryRead_OutsideTheFastShape_DefersToTheContract(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.Null(new EventReader().TryRead(bytes));
        Assert.Equal(ContractJson.Serialize(ContractJson.DeserializeEvent(bytes)), ContractJson.Serialize(new EventReader().Read(bytes)));
    }

    /// <summary>
    /// Each nested object (subject, token, workload, network, resource) through every branch of the reader's shared
    /// object skeleton: null members and null objects stay on the fast path; a member that is unknown, repeated,
    /// escaped or of another type, an object that is not one, and a missing required id go to the contract, whose
    /// event or error is the answer.
    /// </summary>
    [Theory]
    [InlineData("""{"subject":null,"token":null,"workload":null,"network":null,"resource":null}""", true)]
    [InlineData("""{"subject":{"id":"u","type":null,"tenant":null},"token":{"jti":null,"client_id":null,"session_id":null,"issued_at":null,"expires_at":null,"bound_workload":null}}""", true)]
    [InlineData("""{"workload":{"id":"w","name":null,"namespace":null,"image":null,"node":null,"service_account":null},"network":{"src_ip":null,"dst_ip":null,"dst_port":null},"resource":{"type":null,"id":null,"data_class":null}}""", true)]
    [InlineData("""{"token":{},"network":{},"resource":{}}""", true)]
    [InlineData("""{"resource":{"data_class":"pii","id":"t1","type":"table"},"subject":{"tenant":"t","id":"u"}}""", true)]
    [InlineData("""{"subject":{"id":"u","id":"v"}}""", false)]
    [InlineData("""{"token":{"jti":"a","jti":"b"}}""", false)]
    [InlineData("""{"workload":{"id":"w","namespace":"a","namespace":"b"}}""", false)]
    [InlineData("""{"network":{"dst_port":1,"dst_port":2}}""", false)]
    [InlineData("""{"resource":{"type":"a","type":"b"}}""", false)]
    [InlineData("""{"subject":{"\u0069d":"u"}}""", false)]
    [InlineData("""{"token":{"client\u005fid":"web"}}""", false)]
    [InlineData("""{"workload":{"id":"w","pod":"p"}}""", false)]
    [InlineData("""{"network":{"dst_port":"5432"}}""", false)]
    [InlineData("""{"network":{"dst_port":4294967296}}""", false)]
    [InlineData("""{"token":{"issued_at":"yesterday"}}""", false)]
    [InlineData("""{"token":{"expires_at":1767571200}}""", false)]
    [InlineData("""{"resource":{"id":7}}""", false)]
    [InlineData("""{"subject":{"type":"user"}}""", false)]
    [InlineData("""{"workload":{"name":"api"}}""", false)]
    [InlineData("""{"subject":"u"}""", false)]
    [InlineData("""{"token":[]}""", false)]
    [InlineData("""{"network":true}""", false)]
    [InlineData("""{"resource":{"type":"table","id":"t1",""", false)]
    public void Read_NestedObjects_FastWhereTheShapeIsTheContractsAndTheContractsAnswerElsewhere(string members, bool fast)
    {
        var bytes = Encoding.UTF8.GetBytes("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data",""" + members[1..]);
        AccessEvent? expected = null;
        try
        {
            expected = ContractJson.DeserializeEvent(bytes);
        }
        catch (JsonException)
        {
        }

        var read = new EventReader().TryRead(bytes);

        Assert.Equal(fast, read is not null);
        if (expected is null)
        {
            Assert.ThrowsAny<JsonException>(() => new EventReader().Read(bytes));
        }
        else
        {
            Assert.Equal(expected, new EventReader().Read(bytes));
        }
    }

    /// <summary>
    /// JSON null where the contract has no null (a record another producer wrote): refused as not an event, which
    /// dead-letters the record, rather than read and met later as a null reference by a detector.
    /// </summary>
    [Theory]
    [InlineData("""{"id":null,"time":"2026-01-05T00:00:00+00:00","kind":"access.data"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":null}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"auth.login","subject":{"id":null}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"runtime.alert","workload":{"id":null}}""")]
    public void Read_NullWhereTheContractHasNone_IsNotAnEvent(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.Null(new EventReader().TryRead(bytes));
        Assert.Throws<JsonException>(() => new EventReader().Read(bytes));
    }

    [Theory]
    [InlineData("subject")]
    [InlineData("workload")]
    [InlineData("subject", "workload")]
    [InlineData]
    public void Read_SourceScopeAsIngestWritesIt_FastAndEqualToTheContract(params string[] scope)
    {
        var bytes = ContractJson.Serialize(Events.Read(Events.T0) with { Source = "orders-api", SourceScope = scope });

        var read = new EventReader().TryRead(bytes);

        Assert.NotNull(read);
        Assert.Equal(scope, read.SourceScope);
        Assert.Equal(bytes, ContractJson.Serialize(read));
    }

    [Theory]
    [InlineData("""["workload","subject"]""")]
    [InlineData("""["subject","subject"]""")]
    [InlineData("""["tenant"]""")]
    public void Read_SourceScopeInAnotherShape_DefersToTheContract(string scope)
    {
        var bytes = Encoding.UTF8.GetBytes($$"""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","source_scope":{{scope}}}""");

        Assert.Null(new EventReader().TryRead(bytes));
        Assert.Equal(ContractJson.DeserializeEvent(bytes).SourceScope, new EventReader().Read(bytes).SourceScope);
    }

    [Theory]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00"}""")]
    [InlineData("""{"id":"a","time":"yesterday","kind":"access.data"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","bytes":"12"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data"} x""")]
    [InlineData("""[]""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit","attributes":[]}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit","attributes":{"a":1},"raw":{"b":}}""")]
    public void Read_Invalid_ThrowsLikeTheContract(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        Assert.ThrowsAny<JsonException>(() => ContractJson.DeserializeEvent(bytes));
        Assert.ThrowsAny<JsonException>(() => new EventReader().Read(bytes));
    }

    [Fact]
    public void Read_NoSchema_EqualsContractDeserializer()
    {
        var bytes = """{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","resource":{"type":"table","id":"t\"1"}}"""u8.ToArray();
        var read = new EventReader().TryRead(bytes);
        Assert.NotNull(read);
        Assert.Equal(ContractJson.DeserializeEvent(bytes), read);
        Assert.Equal("t\"1", read.Resource!.Id);
    }

    [Fact]
    public void Read_RepeatedAndDifferentValues_KeepEachEventsOwnValues()
    {
        var reader = new EventReader();
        for (var i = 0; i < 10_000; i++)
        {
            var e = Events.Read(Events.T0.AddSeconds(i), principal: $"user-{i % 5_000}", resource: $"r/{i}");
            var read = reader.Read(ContractJson.Serialize(e));
            Assert.Equal(e, read);
        }
    }

    [Fact]
    public void Read_ValuesDifferingInOneByte_AtEveryLengthAndPlace_KeepTheirOwnValue_AndEqualBytesShareOneString()
    {
        // The string cache hashes eight bytes a step: a difference in the first word, a middle word or the tail, at every
        // length up to past the cached maximum, must never give another value's string.
        var reader = new EventReader();
        for (var length = 1; length <= 110; length++)
        {
            var a = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))));
            foreach (var at in new[] { 0, length / 2, length - 1 })
            {
                foreach (var other in new[] { "Z", "é" })
                {
                    var b = string.Concat(a.AsSpan(0, at), other, a.AsSpan(at + 1));
                    var first = reader.Read(ContractJson.Serialize(Events.Read(Events.T0, principal: a)));
                    var again = reader.Read(ContractJson.Serialize(Events.Read(Events.T0, principal: a)));
                    var changed = reader.Read(ContractJson.Serialize(Events.Read(Events.T0, principal: b)));

                    Assert.Equal(a, first.Subject!.Id);
                    Assert.Equal(b, changed.Subject!.Id);
                    if (Encoding.UTF8.GetByteCount(a) <= 96)
                    {
                        Assert.Same(first.Subject.Id, again.Subject!.Id);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData("user-anchor")]
    [InlineData("josé-anchor")]
    public void Read_TwoPrincipalsWhoseValuesShareACacheSet_BothKeepTheirString(string anchor)
    {
        // Interleaved principals whose ids hash to the same place in the string cache: each one's repeated id is the
        // string read before, not a new one per event (a one-slot cache evicted each by the other); a third one of the
        // same place pushes out the oldest, and every event still reads its own value.
        static ulong Set(string value) => EventReader.InternHash(Encoding.UTF8.GetBytes(value)) & 4095;
        var same = Enumerable.Range(0, 100_000).Select(i => $"svc-{i}").Where(v => Set(v) == Set(anchor)).Take(2).ToArray();
        var reader = new EventReader();
        // Unescaped, as a sender may write it (the contract's serializer escapes every non-ASCII character).
        Subject Read(string principal) => reader.Read(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(
            ContractJson.Serialize(Events.Read(Events.T0, principal: principal))).Replace("\\u00E9", "é", StringComparison.OrdinalIgnoreCase))).Subject!;

        var first = Read(anchor);
        var other = Read(same[0]);
        Assert.Same(first.Id, Read(anchor).Id);
        Assert.Same(other.Id, Read(same[0]).Id);
        Assert.Equal(anchor, first.Id);
        Assert.Equal(same[0], other.Id);

        Assert.Equal(same[1], Read(same[1]).Id);
        Assert.Equal(anchor, Read(anchor).Id);
        Assert.Equal(same[1], Read(same[1]).Id);
        Assert.Equal(same[0], Read(same[0]).Id);
    }

    [Fact]
    public void Read_RepeatedNestedObjects_ShareOneInstance_AndAnyChangedMemberReadsItsOwnValue()
    {
        var e = Events.Read(Events.T0, token: new TokenInfo { Jti = "j-1", ClientId = "web", SessionId = "s-1" }) with
        {
            Subject = new Subject { Id = "alice", Type = "user", Tenant = "acme" },
            Network = new NetworkInfo { SrcIp = "10.0.0.1", DstIp = "10.0.0.2", DstPort = 5432 },
            Workload = new Workload { Id = "shop/api-1", Name = "api", Namespace = "shop", Image = "api:1", Node = "n1", ServiceAccount = "api" },
        };
        var reader = new EventReader();
        var first = reader.Read(ContractJson.Serialize(e));
        var again = reader.Read(ContractJson.Serialize(e with { Id = "other", Time = Events.T0.AddSeconds(1) }));
        Assert.Same(first.Subject, again.Subject);
        Assert.Same(first.Workload, again.Workload);
        Assert.Same(first.Network, again.Network);
        Assert.Same(first.Resource, again.Resource);
        Assert.NotSame(first.Token, again.Token);

        var longImage = new string('i', 97);
        AccessEvent[] changed =
        [
            e with { Subject = e.Subject with { Id = "bob" } },
            e with { Subject = e.Subject with { Type = "service_account" } },
            e with { Subject = e.Subject with { Tenant = null } },
            e with { Workload = e.Workload with { Id = "shop/api-2" } },
            e with { Workload = e.Workload with { Name = "web" } },
            e with { Workload = e.Workload with { Namespace = "shop2" } },
            e with { Workload = e.Workload with { Image = "api:2" } },
            e with { Workload = e.Workload with { Node = null } },
            e with { Workload = e.Workload with { ServiceAccount = "web" } },
            e with { Workload = e.Workload with { Image = longImage } },
            e with { Network = e.Network with { SrcIp = "10.0.0.9" } },
            e with { Network = e.Network with { DstIp = null } },
            e with { Network = e.Network with { DstPort = 5433 } },
            e with { Network = e.Network with { DstPort = null } },
            e with { Resource = e.Resource! with { Type = "bucket" } },
            e with { Resource = e.Resource! with { Id = "shop/refunds" } },
            e with { Resource = e.Resource! with { DataClass = "pii" } },
        ];
        foreach (var variant in changed)
        {
            var bytes = ContractJson.Serialize(variant);
            Assert.Equal(ContractJson.DeserializeEvent(bytes), reader.Read(bytes));
            Assert.Equal(variant, reader.Read(bytes));
            Assert.Equal(e, reader.Read(ContractJson.Serialize(e)));
        }

        // A member not from the string cache is a new string every time: its object is not shared by its members, only by
        // equal bytes (EventReaderRepeatedObjectsTests).
        var uncached = ContractJson.Serialize(changed[9]);
        Assert.NotSame(reader.Read(uncached).Workload, reader.Read(ContractJson.Serialize(changed[9] with { Id = "x", Workload = changed[9].Workload! with { Node = "n2" } })).Workload);
        Assert.Equal(longImage, reader.Read(uncached).Workload!.Image);
    }

    [Fact]
    public void ScoreBytes_SimulatedTrafficWithAttacks_SameAsScoringEvents()
    {
        var options = new VerifierOptions { ModelEnabled = false };
        var policy = Verifier.Policy.DefaultPolicy.Load();
        var byEvent = new ScoringEngine(options, policy);
        var byBytes = new ScoringEngine(options, policy);
        var alerts = 0;
        foreach (var e in Simulated(20_000))
        {
            var a = byEvent.Score(e);
            var b = byBytes.Score(ContractJson.Serialize(e));
            Assert.Equal(a.Score, b.Score);
            Assert.Equal(a.Duplicate, b.Duplicate);
            Assert.Equal(a.Alert is null ? null : ContractJson.Serialize(a.Alert), b.Alert is null ? null : ContractJson.Serialize(b.Alert));
            alerts += a.Alert is null ? 0 : 1;
        }

        Assert.True(alerts > 0);
        Assert.Equal(byEvent.Checkpoint(), byBytes.Checkpoint());
    }

    [Theory]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit","attributes":{"verb":"create","k8s.groups":["system:masters",null],"n":1.5e3}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit","attributes":{}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit","attributes":null,"raw":null}""")]
    [InlineData("""{"raw":{"kind":"Event","user":{"username":"system:serviceaccount:ns:sa","extra":{"a":["b"]}},"requestObject":{"spec":{"containers":[{"image":"x\u00e9"}]}}},"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"runtime.alert","workload":{"id":"p/w"},"raw":{"rule":"Terminal shell in container","tags":["T1059","mitre_execution"],"output_fields":{"k8s.pod.name":"w","evt.time":1767571200000000000}}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit","raw":"not an object but any JSON value is the contract's"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit","raw":[1,{"a":[]}],"attributes":{"k\"ey":{"deep":{"er":[true,false]}}}}""")]
    public void Read_AttributesAndRaw_FastPathGivesTheContractsEvent(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var expected = ContractJson.DeserializeEvent(bytes);
        var read = new EventReader().TryRead(bytes);

        Assert.NotNull(read);
        Assert.Equal(ContractJson.Serialize(expected), ContractJson.Serialize(read));
        Assert.Equal(expected.Raw is null, read.Raw is null);
        if (expected.Raw is { } raw)
        {
            Assert.True(JsonElement.DeepEquals(raw, read.Raw!.Value));
        }

        Assert.Equal(expected.Attributes?.Keys, read.Attributes?.Keys);
        foreach (var (key, value) in expected.Attributes ?? [])
        {
            Assert.True(JsonElement.DeepEquals(value, read.Attributes![key]), key);
        }
    }

    [Fact]
    public void Read_MappedAuditAndFalcoEvents_EqualContractDeserializer()
    {
        var reader = new EventReader();
        var mapped = Ingest.Sources.K8sAudit.K8sAuditMapper.Map(Encoding.UTF8.GetBytes(AuditEvent)).Events
            .Concat(Ingest.Sources.Falco.FalcoMapper.Map(Encoding.UTF8.GetBytes(FalcoAlert)).Events)
            .ToList();
        Assert.Equal(2, mapped.Count);
        foreach (var e in mapped)
        {
            Assert.NotNull(e.Raw);
            var bytes = ContractJson.Serialize(e);
            var read = reader.TryRead(bytes);
            Assert.NotNull(read);
            Assert.Equal(bytes, ContractJson.Serialize(read));
            Assert.Equal(bytes, ContractJson.Serialize(ContractJson.DeserializeEvent(bytes)));
        }
    }

    private const string AuditEvent = """
        {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"7c1f2d4e-0000-4000-8000-000000000001",
         "stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods","verb":"create",
         "user":{"username":"system:serviceaccount:shop:deployer","uid":"u-1","groups":["system:serviceaccounts","system:authenticated"]},
         "sourceIPs":["10.0.0.9"],"userAgent":"kubectl/v1.30.0",
         "objectRef":{"resource":"pods","namespace":"shop","name":"web-0","apiVersion":"v1"},
         "responseStatus":{"metadata":{},"code":201},
         "requestObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-0","namespace":"shop"},
           "spec":{"serviceAccountName":"web","hostPID":true,"containers":[{"name":"c","image":"nginx:1.27","securityContext":{"privileged":true}}]}},
         "requestReceivedTimestamp":"2026-01-05T10:00:00.000000Z","stageTimestamp":"2026-01-05T10:00:00.012345Z",
         "annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}
        """;

    private const string FalcoAlert = """
        {"hostname":"node-1","output":"10:00:00.000000000: Notice A shell was spawned in a container (user=root container_id=3ad0c8f5e2a1 pod=web-0 ns=shop shell=bash)",
         "priority":"Notice","rule":"Terminal shell in container","source":"syscall","tags":["container","shell","mitre_execution","T1059"],
         "time":"2026-01-05T10:00:00.123456789Z",
         "output_fields":{"container.id":"3ad0c8f5e2a1","k8s.ns.name":"shop","k8s.pod.name":"web-0","proc.cmdline":"bash","user.name":"root","evt.time":1767607200123456789}}
        """;
}
