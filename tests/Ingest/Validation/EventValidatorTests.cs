namespace ZtStream.Ingest.Tests.Validation;

public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static EventValidator Validator(IngestOptions? options = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options ?? new IngestOptions()), new FakeTimeProvider(Now));

    private static (ZtStream.Contracts.Events.AccessEvent? Event, List<ItemError> Errors) Parse(string json, IngestOptions? options = null)
    {
        using var document = JsonDocument.Parse(json);
        var errors = new List<ItemError>();
        return (Validator(options).Parse(document.RootElement, 7, string.Empty, errors), errors);
    }

    [Theory]
    [InlineData("""{"id":"v1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""", true)]
    [InlineData("""{ "kind":"access.data", "subject":{"id":"bob","foo":1}, "time":"2026-11-28T11:59:00Z", "id":"v1", "schema":1 }""", true)]
    [InlineData("""{"id":"v1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"source":"forged"}""", false)]
    [InlineData("""{"id":"v1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"source":null}""", false)]
    [InlineData("""{"id":"v1","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"ticket":"INC-1"}""", false)]
    public void Parse_Verbatim_OnlyWhenTheItemsOwnJsonReadsBackAsTheEvent(string json, bool verbatim)
    {
        using var document = JsonDocument.Parse(json);
        var errors = new List<ItemError>();

        var e = Validator().Parse(document.RootElement, 0, string.Empty, errors, out var forwardable);

        Assert.Empty(errors);
        Assert.Equal(verbatim, forwardable);
        if (verbatim)
        {
            // What Ingest appends: the item's bytes with the stamped source first, read as the contract reads records.
            var stamped = ZtStream.Ingest.Endpoints.EventAppender.Stamped(System.Text.Encoding.UTF8.GetBytes(json), "\"source\":\"src\","u8);
            var read = ZtStream.Contracts.Serialization.ContractJson.DeserializeEvent(stamped);
            Assert.Equal(
                System.Text.Encoding.UTF8.GetString(ZtStream.Contracts.Serialization.ContractJson.Serialize(e! with { Source = "src" })),
                System.Text.Encoding.UTF8.GetString(ZtStream.Contracts.Serialization.ContractJson.Serialize(read)));
        }
    }

    /// <summary>
    /// An id or a name with a control character keys a principal no person has, is shown again in the console and logs, and
    /// — with a NUL — cannot be stored in PostgreSQL at all, so the alert it raises was dead-lettered, never queued: every
    /// one is refused by field, whichever id carries it, and a user agent (evidence as sent) keeps it.
    /// </summary>
    [Theory]
    [InlineData("id", """{"id":"v\u0000","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"}}""", "U+0000 at position 1")]
    [InlineData("subject.id", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"user:ceo@corp.example\u0000@shop.example"}}""", "U+0000 at position 21")]
    [InlineData("subject.id", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"dana\u001b[2K@x.io","claim":"email"}}""", "U+001B at position 4")]
    [InlineData("workload.namespace", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","workload":{"id":"shop/a","namespace":"shop\n"}}""", "U+000A at position 4")]
    [InlineData("token.jti", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"token":{"jti":"\u0085j"}}""", "U+0085 at position 0")]
    [InlineData("attributes.k8s.cluster", """{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"attributes":{"k8s.cluster":"prod\u007f"}}""", "U+007F at position 4")]
    public void Parse_ControlCharacterInAnIdOrName_IsRefusedNamingTheFieldAndWhere(string field, string json, string where)
    {
        var (e, errors) = Parse(json);

        Assert.Null(e);
        var error = Assert.Single(errors);
        Assert.Equal((7, field), (error.Index, error.Field));
        Assert.Equal($"must not hold a control character: {where}", error.Reason);
    }

    [Fact]
    public void Parse_ControlCharacterInTheUserAgentOrAnAttribute_IsKept()
    {
        var (e, errors) = Parse("""{"id":"v","time":"2026-11-28T11:59:00Z","kind":"access.data","subject":{"id":"bob"},"user_agent":"curl\t8","attributes":{"note":"a\nb"}}""");

        Assert.Empty(errors);
        Assert.Equal("curl\t8", e!.UserAgent);
    }

    [Fact]
    public void Parse_MinimalEventWithWorkloadOnly_IsAcceptedWithSchemaOne()
    {
        var (e, errors) = Parse("""{"id":"w1","time":"2026-11-28T11:59:00Z","kind":"access.data","workload":{"id":"shop/cart-1"}}""");

        Assert.Empty(errors);
        Assert.Equal(1, e!.Schema);
        Assert.Equal("shop/cart-1", e.PrincipalKey);
    }

    [Fact]
    public void Parse_EveryMissingRequiredField_IsListedForTheItem()
    {
        var (e, errors) = Parse("""{"subject":{"type":"user"},"schema":2}""");

        Assert.Null(e);
        Assert.All(errors, error => Assert.Equal(7, error.Index));
        Assert.Equal(["id", "time", "kind", "schema", "subject.id"], errors.Select(x => x.Field));
    }

    [Theory]
    [InlineData("""{"id":5,"time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"}}""", "id", "must be a string")]
    [InlineData("""{"id":"a","time":"noon","kind":"k","subject":{"id":"a"}}""", "time", "RFC 3339")]
    [InlineData("""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":"alice"}""", "subject", "must be an object")]
    [InlineData("""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"},"bytes":"many"}""", "bytes", "wrong type")]
    [InlineData("""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"},"token":{"issued_at":3}}""", "token.issued_at", "wrong type")]
    [InlineData("""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"},"bytes":-1}""", "bytes", "negative")]
    [InlineData("""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"},"network":{"dst_port":70000}}""", "network.dst_port", "65535")]
    [InlineData("""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"},"attributes":[1]}""", "attributes", "must be an object")]
    [InlineData("""[1,2]""", "$", "expected an event object")]
    public void Parse_BadField_NamesFieldAndReason(string json, string field, string reason)
    {
        var (e, errors) = Parse(json);

        Assert.Null(e);
        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AttributesOverTheLimit_AreRefused()
    {
        var big = new string('v', 400);
        var (e, errors) = Parse($$"""{"id":"a","time":"2026-11-28T11:59:00Z","kind":"k","subject":{"id":"a"},"note":"{{big}}"}""", new IngestOptions { MaxAttributesBytes = 256 });

        Assert.Null(e);
        Assert.Equal("attributes", Assert.Single(errors).Field);
    }

    [Fact]
    public void Parse_UnknownFieldsAndNanosecondTime_AreKept()
    {
        var (e, errors) = Parse("""{"id":"a","time":"2026-11-28T11:59:00.123456789Z","kind":"k","subject":{"id":"a"},"geo":{"country":"NL"},"attributes":{"geo":"kept-first"}}""");

        Assert.Empty(errors);
        // An explicit attribute wins over an unknown top-level field of the same name.
        Assert.Equal("kept-first", e!.Attributes!["geo"].GetString());
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 11, 59, 0, TimeSpan.Zero).AddTicks(1234567), e.Time);
    }

    [Theory]
    [InlineData("$.token.issued_at", "token.issued_at")]
    [InlineData("$", "$")]
    [InlineData(null, "$")]
    [InlineData("$['odd name']", "odd name")]
    public void FieldOf_JsonPath_IsDotted(string? path, string field) => Assert.Equal(field, EventValidator.FieldOf(path));
}
