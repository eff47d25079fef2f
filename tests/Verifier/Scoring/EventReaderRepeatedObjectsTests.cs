namespace ZtStream.Verifier.Tests.Scoring;

/// <summary>
/// A nested object whose exact bytes the reader has read before is taken as that object without reading it again, and
/// the reader goes on past it: whatever the shape around or inside it, every event must read to what the contract reads.
/// </summary>
public sealed class EventReaderRepeatedObjectsTests
{
    private const string Head = """{"id":"e","time":"2026-01-05T00:00:00+00:00","kind":"access.data",""";
    private const string Subject = """{"id":"system:serviceaccount:shop:api","type":"service_account","tenant":"acme"}""";
    private const string Workload = """{"id":"shop/api-1","name":"api","namespace":"shop","image":"api:1","node":"n1","service_account":"api"}""";
    private const string Network = """{"src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":5432}""";
    private const string Resource = """{"type":"table","id":"shop/orders","data_class":"pii"}""";

    /// <summary>
    /// The same objects in the shapes a sender may write them, and events around them in other shapes: other member
    /// orders, whitespace inside and around an object, escapes, missing and extra members, <c>attributes</c> and
    /// <c>raw</c>, an object as the last member, a repeated member, and content after the event.
    /// </summary>
    private static readonly string[] Shapes =
    [
        Head + $$"""
            "subject":{{Subject}},"workload":{{Workload}},"network":{{Network}},"resource":{{Resource}},"action":"read"}
            """,
        Head + $$"""
            "resource":{{Resource}},"network":{{Network}},"workload":{{Workload}},"subject":{{Subject}}}
            """,
        Head + $$"""
            "subject" : {{Subject}} ,"workload":{{Workload}}
            ,"network":{{Network}},"resource":{{Resource}} }
            """,
        Head + """
            "subject":{ "id":"system:serviceaccount:shop:api","type":"service_account","tenant":"acme"},"resource":{"type":"table","id":"shop/orders","data_class":"pii" }}
            """,
        Head + """
            "subject":{"tenant":"acme","type":"service_account","id":"system:serviceaccount:shop:api"},"resource":{"data_class":"pii","id":"shop/orders","type":"table"}}
            """,
        Head + """
            "subject":{"id":"system:serviceaccount:shop:\u0061pi","type":"service_account","tenant":"acme"},"network":{"src_ip":"10.0.0.1","dst_port":5432}}
            """,
        Head + """
            "subject":{"id":"system:serviceaccount:shop:api","type":"service_account"},"workload":{"id":"shop/api-1"},"network":{},"resource":{"id":"shop/orders"}}
            """,
        Head + $$"""
            "subject":{"id":"system:serviceaccount:shop:api","type":"service_account","tenant":"acme","groups":[]},"workload":{{Workload}}}
            """,
        Head + $$"""
            "workload":{"id":"shop/api-1","name":"api","namespace":"shop","image":"api:1","node":"n1","service_account":"api","pod":"p"},"subject":{{Subject}}}
            """,
        Head + $$"""
            "subject":{{Subject}},"attributes":{"verb":"get","k8s.stage":"ResponseComplete"},"raw":{"subject":{{Subject}},"n":[1,2]},"workload":{{Workload}}}
            """,
        Head + $$"""
            "subject":{{Subject}},"subject":{{Subject}}}
            """,
        Head + $$"""
            "subject":{{Subject}},"workload":{{Workload}}}x
            """,
        Head + $$"""
            "subject":{{Subject}},"workload":{{Workload}}} {}
            """,
        Head + $$"""
            "subject":{{Subject}},"workload":{{Workload}},}
            """,
        Head + $$"""
            "subject":{{Subject}},"workload":{{Workload}}
            """,
        Head + $$"""
            "subject":{{Subject}}}
            """,
        Head + $$"""
            "subject":{{Subject}},"network":null,"resource":{{Resource}},"bytes":12,"status":200,"user_agent":"api/1","outcome":"success"}
            """,
        Head + $$"""
            "subject":{{Subject}},"token":{"jti":"j-1","client_id":"web","issued_at":"2026-01-05T00:00:00+00:00"},"workload":{{Workload}}}
            """,
    ];

    [Fact]
    public void Read_ObjectsRepeatedInEveryShape_EachEventEqualsTheContract()
    {
        var reader = new EventReader();
        var random = new Random(3);
        for (var round = 0; round < 20; round++)
        {
            foreach (var json in Shapes.OrderBy(_ => random.Next()))
            {
                AssertReadsAsTheContract(reader, json);
                AssertReadsAsTheContract(new EventReader(), json);
            }
        }
    }

    [Fact]
    public void Read_SameObjectBytes_AreTheObjectReadBefore_EvenWithAMemberNotFromTheStringCache()
    {
        // A member over the string cache's length is a new string every time, so only equal bytes can share its object.
        var image = new string('i', 120);
        var json = Head + $$$"""
            "subject":{{{Subject}}},"workload":{"id":"shop/api-1","image":"{{{image}}}"}}
            """;
        var reader = new EventReader();
        var first = reader.Read(Encoding.UTF8.GetBytes(json));
        var again = reader.Read(Encoding.UTF8.GetBytes(json.Replace("\"id\":\"e\"", "\"id\":\"f\"", StringComparison.Ordinal)));

        Assert.Same(first.Workload, again.Workload);
        Assert.Same(first.Subject, again.Subject);
        Assert.Equal(image, again.Workload!.Image);
        Assert.Equal("f", again.Id);
    }

    [Fact]
    public void Read_ObjectsAlikeInTheirFirstBytes_EachReadsItsOwnValue()
    {
        // Longer than the prefix that picks the slot, and equal in it: the slot is the same, the bytes are not.
        var stem = "system:serviceaccount:shop:" + new string('a', 80);
        var reader = new EventReader();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 4; i++)
            {
                var read = reader.Read(Encoding.UTF8.GetBytes(Head + $$$"""
                    "subject":{"id":"{{{stem}}}{{{i}}}","type":"service_account"},"network":{"src_ip":"10.0.0.1","dst_ip":"10.0.0.2","dst_port":{{{5430 + i}}}}}
                    """));
                Assert.Equal(stem + i, read.Subject!.Id);
                Assert.Equal(5430 + i, read.Network!.DstPort);
            }
        }
    }

    [Fact]
    public void Read_MoreObjectsThanSlots_EachReadsItsOwnValue()
    {
        var reader = new EventReader();
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 5_000; i++)
            {
                var read = reader.Read(Encoding.UTF8.GetBytes(Head + $$$"""
                    "subject":{"id":"user:u{{{i}}}","type":"user"},"resource":{"type":"table","id":"t{{{i % 700}}}"},"workload":{"id":"shop/api-{{{i % 3_000}}}"}}
                    """));
                Assert.Equal("user:u" + i, read.Subject!.Id);
                Assert.Equal("t" + (i % 700), read.Resource!.Id);
                Assert.Equal("shop/api-" + (i % 3_000), read.Workload!.Id);
            }
        }
    }

    private static void AssertReadsAsTheContract(EventReader reader, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
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

        // JSON elements (attributes, raw) compare by reference; the serialized form is the contract.
        Assert.Equal(ContractJson.Serialize(expected), ContractJson.Serialize(reader.Read(bytes)));
    }
}
