namespace ZtStream.Verifier.Tests.Scoring;

/// <summary>
/// The reader's compact path (<c>EventReader.TryReadCompact</c>): it takes the forms records nearly always have — the
/// contract serializer's bytes, and those bytes as Ingest forwards them with its source stamp first — and gives exactly
/// the contract's event; any other form is left to the general pass, which still answers as the contract does.
/// </summary>
public sealed class CompactEventReaderTests
{
    private static IEnumerable<AccessEvent> Simulated(int take) =>
        new TrafficSimulator(new SimulationOptions { Principals = 60, Days = 1, Seed = 17 }).Generate().Select(s => s.Event).Take(take);

    /// <summary>Ingest's splice: <c>"source"</c> (and <c>"source_scope"</c>) before the item's own members.</summary>
    private static byte[] Stamped(byte[] item, string stamp) => [.. "{"u8, .. Encoding.UTF8.GetBytes(stamp), .. item.AsSpan(1)];

    [Theory]
    [InlineData("")]
    [InlineData("\"source\":\"bench\",")]
    [InlineData("\"source\":\"orders-api\",\"source_scope\":[\"subject\"],")]
    [InlineData("\"source\":\"mesh\",\"source_scope\":[\"workload\"],")]
    [InlineData("\"source\":\"idp\",\"source_scope\":[\"subject\",\"workload\"],")]
    [InlineData("\"source\":\"edge\",\"source_scope\":[],")]
    public void TryReadCompact_ContractAndIngestForms_ReadsEveryEventAsTheContract(string stamp)
    {
        var reader = new EventReader();
        var read = 0;
        foreach (var e in Simulated(2_000))
        {
            var bytes = Stamped(ContractJson.Serialize(stamp.Length == 0 ? e : e with { Source = null }), stamp);
            var expected = ContractJson.DeserializeEvent(bytes);

            var compact = reader.TryReadCompact(bytes);

            if (expected.Attributes is null && expected.Raw is null && !bytes.Contains((byte)'\\'))
            {
                Assert.NotNull(compact);
                AssertSameEvent(expected, compact);
                read++;
            }
            else
            {
                Assert.Null(compact);
            }
        }

        Assert.True(read > 1_500, $"{read} of 2,000 on the compact path");
    }

    [Fact]
    public void TryReadCompact_SourceWhereTheContractWritesIt_ReadsAsTheContract()
    {
        var e = Events.Read(Events.T0) with { Source = "orders-api", SourceScope = ["subject"], Bytes = -0, Status = 0 };
        var bytes = ContractJson.Serialize(e);

        var compact = new EventReader().TryReadCompact(bytes);

        Assert.NotNull(compact);
        Assert.Equal(bytes, ContractJson.Serialize(compact));
    }

    /// <summary>Each member of every object, null or set, and the integers at their edges, in the compact form.</summary>
    [Theory]
    [InlineData("""{"schema":1,"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","subject":null,"token":null,"workload":null,"network":null,"resource":null,"action":null,"outcome":null,"bytes":null,"status":null,"user_agent":null}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00.1234567+05:30","kind":"access.data","subject":{"id":"u","type":null,"tenant":null},"token":{"jti":null,"client_id":null,"session_id":null,"issued_at":null,"expires_at":null,"bound_workload":null}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00Z","kind":"access.data","subject":{"id":"u","type":"user","tenant":"t"},"token":{"jti":"j","client_id":"c","session_id":"s","issued_at":"2026-01-05T00:00:00+00:00","expires_at":"2026-01-05T01:00:00Z","bound_workload":"ns/w"}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","workload":{"id":"w","name":"n","namespace":"ns","image":"i:1","node":"node-1","service_account":"sa"},"network":{"src_ip":"192.0.2.1","dst_ip":"2001:db8::1","dst_port":443},"resource":{"type":"table","id":"t1","data_class":"pii"}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","token":{},"network":{},"resource":{}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","network":{"dst_port":2147483647},"bytes":9223372036854775,"status":-2147483648}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","bytes":0,"status":-0}""")]
    [InlineData("""{"id":"é ☃ ~","time":"2026-01-05T00:00:00+00:00","kind":"access.data","user_agent":"Mozilla/5.0 (X11; Linux x86_64) 𝄞"}""")]
    public void TryReadCompact_EveryMember_EqualsTheContract(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        var compact = new EventReader().TryReadCompact(bytes);

        Assert.True(compact is not null, json);
        AssertSameEvent(ContractJson.DeserializeEvent(bytes), compact);
    }

    /// <summary>Forms outside the compact one: the compact path declines, and the reader's answer (event or error) is still the contract's.</summary>
    [Theory]
    [InlineData("""{ "id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data"} """)]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind": "access.data"}""")]
    [InlineData("""{"time":"2026-01-05T00:00:00+00:00","id":"a","kind":"access.data"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","outcome":"success","action":"read"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","subject":{"type":"user","id":"u"}}""")]
    [InlineData("""{"id":"a\u0062","time":"2026-01-05T00:00:00+00:00","kind":"access.data"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00\u002B00:00","kind":"access.data"}""")]
    [InlineData("""{"\u0069d":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","bytes":1.0}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","bytes":1e3}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","bytes":012}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","bytes":-}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","bytes":1234567890123456789}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","status":2147483648}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","bytes":"12"}""")]
    [InlineData("""{"schema":null,"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","kind":"auth.login"}""")]
    [InlineData("""{"source":"a","id":"a","time":"2026-01-05T00:00:00+00:00","source":"b","kind":"access.data"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","extra":1}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit","attributes":{"verb":"create"}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"k8s.audit","raw":{"verb":"create"}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","source_scope":["workload","subject"]}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","subject":{"id":"u","id":"v"}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","subject":{"type":"user"}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data","subject":"u"}""")]
    [InlineData("""{"id":"a","time":"yesterday","kind":"access.data"}""")]
    [InlineData("""{"id":null,"time":"2026-01-05T00:00:00+00:00","kind":"access.data"}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00","kind":"access.data"}}""")]
    [InlineData("""{"id":"a","time":"2026-01-05T00:00:00+00:00"}""")]
    public void TryReadCompact_AnyOtherForm_DeclinesAndReadStillAnswersAsTheContract(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.Null(new EventReader().TryReadCompact(bytes));
        AssertReadAsContract(bytes);
    }

    [Fact]
    public void TryReadCompact_RawControlCharacterOrInvalidUtf8_Declines()
    {
        const string Rest = "\",\"time\":\"2026-01-05T00:00:00+00:00\",\"kind\":\"access.data\"}";
        byte[] control = [.. "{\"id\":\"a"u8, 0x01, .. Encoding.UTF8.GetBytes(Rest)];
        byte[] invalid = [.. "{\"id\":\"a\",\"time\":\"2026-01-05T00:00:00+00:00\",\"kind\":\"access"u8, 0xC3, 0x28, .. "\"}"u8];
        byte[] invalidId = [.. "{\"id\":\"a"u8, 0xFF, .. Encoding.UTF8.GetBytes(Rest)];

        foreach (var bytes in new[] { control, invalid, invalidId })
        {
            Assert.Null(new EventReader().TryReadCompact(bytes));
            AssertReadAsContract(bytes);
        }
    }

    /// <summary>
    /// Every byte of stamped simulated events changed to each byte that matters to JSON's grammar: whatever the compact
    /// path accepts is the contract's event, and what it declines the reader still answers as the contract does.
    /// </summary>
    [Fact]
    public void TryReadCompact_EveryByteChanged_AcceptsOnlyWhatTheContractReadsTheSame()
    {
        byte[] replacements = [(byte)'"', (byte)'\\', (byte)',', (byte)':', (byte)'{', (byte)'}', (byte)'[', (byte)' ', (byte)'0', (byte)'9', (byte)'-', (byte)'.', (byte)'e', (byte)'n', (byte)'x', 0x1F, 0x80];
        var reader = new EventReader();
        var accepted = 0;
        foreach (var e in Simulated(400).Where((_, i) => i % 40 == 0))
        {
            var original = Stamped(ContractJson.Serialize(e with { Source = null }), "\"source\":\"bench\",\"source_scope\":[\"subject\"],");
            for (var at = 0; at < original.Length; at++)
            {
                foreach (var b in replacements)
                {
                    if (original[at] == b)
                    {
                        continue;
                    }

                    var bytes = (byte[])original.Clone();
                    bytes[at] = b;
                    if (reader.TryReadCompact(bytes) is { } compact)
                    {
                        accepted++;
                        AssertSameEvent(ContractJson.DeserializeEvent(bytes), compact);
                    }
                    else
                    {
                        AssertReadAsContract(bytes, reader);
                    }
                }
            }
        }

        Assert.True(accepted > 0);
    }

    /// <summary>Equal events; the scope compared by its items (the record compares the list by reference).</summary>
    private static void AssertSameEvent(AccessEvent expected, AccessEvent actual)
    {
        Assert.Equal(expected with { SourceScope = null }, actual with { SourceScope = null });
        Assert.Equal(expected.SourceScope, actual.SourceScope);
    }

    private static void AssertReadAsContract(byte[] bytes, EventReader? reader = null)
    {
        reader ??= new EventReader();
        AccessEvent expected;
        try
        {
            expected = ContractJson.DeserializeEvent(bytes);
        }
        catch (JsonException)
        {
            Assert.ThrowsAny<JsonException>(() => reader.Read(bytes));
            return;
        }

        Assert.Equal(ContractJson.Serialize(expected), ContractJson.Serialize(reader.Read(bytes)));
    }
}
